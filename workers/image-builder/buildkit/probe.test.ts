import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ProbeResult } from "../mode.js";
import { encodeListWorkersResponse } from "./control.js";
import { probeBuildkit, probeBuildkitAddr } from "./probe.js";
import { reply, startFakeDaemon, type FakeDaemon } from "./fake-daemon.js";

const workers = (n: number) =>
  encodeListWorkersResponse({
    record: Array.from({ length: n }, (_, i) => ({
      id: `w${i}`,
      labels: {},
      platforms: [{ architecture: "amd64", os: "linux" }],
    })),
  });

describe("probe", () => {
  const daemons: FakeDaemon[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.close();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const fake = async (n: number, mode: "unix" | "docker-unix" = "unix") => {
    const d = await startFakeDaemon({ mode, handlers: { ListWorkers: (c) => reply(c.stream, [workers(n)]) } });
    daemons.push(d);
    return d;
  };
  const missing = async () => {
    const dir = await mkdtemp(join(tmpdir(), "bk-probe-"));
    dirs.push(dir);
    return join(dir, "missing.sock");
  };

  it("probeBuildkitAddr: ok with the worker count, ListWorkers with a 1 s deadline", async () => {
    const d = await fake(2);
    expect(await probeBuildkitAddr(d.addr)).toEqual({ ok: true, addr: d.addr, workers: 2 });
    expect(d.calls[0].method).toBe("ListWorkers");
    expect(Number(String(d.calls[0].headers["grpc-timeout"]).replace("m", ""))).toBeLessThanOrEqual(1000);
  });

  it("probeBuildkitAddr: needs at least one worker; errors name the address", async () => {
    const d = await fake(0);
    expect(await probeBuildkitAddr(d.addr)).toEqual({ ok: false, error: `${d.addr}: no BuildKit workers` });
    const path = await missing();
    expect(await probeBuildkitAddr(`unix://${path}`)).toEqual({
      ok: false,
      error: `unix://${path}: connect ENOENT ${path}`,
    });
    expect((await probeBuildkitAddr("ftp://x")).ok).toBe(false);
  });

  it("probeBuildkit(addr) probes only that address", async () => {
    const d = await fake(1, "docker-unix");
    const r: ProbeResult = await probeBuildkit(d.addr);
    expect(r).toEqual({ ok: true, addr: d.addr });
    const path = await missing();
    expect(await probeBuildkit(` unix://${path} `)).toEqual({
      ok: false,
      error: `unix://${path}: connect ENOENT ${path}`,
    });
  });

  it("auto-detection: first answering candidate wins; docker-unix only when its socket exists", async () => {
    const a = await missing();
    const b = await missing();
    expect(await probeBuildkit(undefined, { candidates: [`unix://${a}`, `docker-unix://${b}`] })).toEqual({
      ok: false,
      error: `unix://${a}: connect ENOENT ${a}; docker-unix://${b}: no such socket`,
    });
    const docker = await fake(1, "docker-unix");
    expect(await probeBuildkit("  ", { candidates: [`unix://${a}`, docker.addr] })).toEqual({
      ok: true,
      addr: docker.addr,
    });
    const bk = await fake(1);
    expect(await probeBuildkit(undefined, { candidates: [bk.addr, docker.addr] })).toEqual({ ok: true, addr: bk.addr });
    expect(docker.calls).toHaveLength(1); // not asked the second time: the first candidate answered
    // A docker socket that exists but does not answer is reported with its error.
    const zero = await fake(0, "docker-unix");
    const r = await probeBuildkit(undefined, { candidates: [`unix://${a}`, zero.addr] });
    expect(r).toEqual({ ok: false, error: `unix://${a}: connect ENOENT ${a}; ${zero.addr}: no BuildKit workers` });
  });
});
