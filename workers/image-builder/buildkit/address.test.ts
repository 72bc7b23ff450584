import { describe, expect, it } from "vitest";
import { BuildkitAddressError, parseBuildkitAddr } from "./address.js";

describe("parseBuildkitAddr", () => {
  it("parses unix, docker-unix and tcp addresses", () => {
    expect(parseBuildkitAddr("unix:///run/buildkit/buildkitd.sock")).toEqual({
      scheme: "unix",
      path: "/run/buildkit/buildkitd.sock",
      raw: "unix:///run/buildkit/buildkitd.sock",
    });
    expect(parseBuildkitAddr(" docker-unix:///var/run/docker.sock ")).toEqual({
      scheme: "docker-unix",
      path: "/var/run/docker.sock",
      raw: "docker-unix:///var/run/docker.sock",
    });
    expect(parseBuildkitAddr("tcp://127.0.0.1:1234")).toEqual({
      scheme: "tcp",
      host: "127.0.0.1",
      port: 1234,
      raw: "tcp://127.0.0.1:1234",
    });
    expect(parseBuildkitAddr("tcp://buildkitd:1234/")).toMatchObject({ host: "buildkitd", port: 1234 });
    expect(parseBuildkitAddr("tcp://[::1]:8372")).toMatchObject({ scheme: "tcp", host: "::1", port: 8372 });
    expect(parseBuildkitAddr("unix://relative.sock")).toMatchObject({ scheme: "unix", path: "relative.sock" });
  });

  it.each([
    ["", /expected unix:\/\/PATH, tcp:\/\/HOST:PORT or docker-unix:\/\/PATH/],
    ["/run/buildkit/buildkitd.sock", /invalid buildkit address/],
    ["http://localhost:1234", /unsupported buildkit address scheme "http:\/\/"/],
    ["npipe:////./pipe/docker_engine", /unsupported buildkit address scheme/],
    ["unix://", /missing socket path/],
    ["docker-unix://", /missing socket path/],
    ["tcp://localhost", /expected tcp:\/\/HOST:PORT/],
    ["tcp://:1234", /expected tcp:\/\/HOST:PORT/],
    ["tcp://host:0", /port out of range/],
    ["tcp://host:70000", /port out of range/],
    ["tcp://host:12/x", /expected tcp:\/\/HOST:PORT/],
  ])("rejects %j", (addr, msg) => {
    expect(() => parseBuildkitAddr(addr)).toThrow(BuildkitAddressError);
    expect(() => parseBuildkitAddr(addr)).toThrow(msg);
  });
});
