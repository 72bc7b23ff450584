import http2 from "node:http2";
import net from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BuildkitClient, encodeListWorkersResponse, type ListWorkersResponse } from "./control.js";
import { encodeGrpcFrame } from "./grpc.js";
import { BuildkitConnectError, connectBuildkit, parseResponseHead } from "./transport.js";
import { reply, startFakeDaemon, type FakeDaemon, type FakeHandler } from "./fake-daemon.js";

const WORKERS: ListWorkersResponse = {
  record: [
    {
      id: "moby",
      labels: { "org.mobyproject.buildkit.worker.executor": "oci" },
      platforms: [{ architecture: "amd64", os: "linux" }],
    },
  ],
};
const listWorkers: FakeHandler = (c) => reply(c.stream, [encodeListWorkersResponse(WORKERS)]);

async function connectError(p: Promise<unknown>): Promise<BuildkitConnectError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BuildkitConnectError);
    return err as BuildkitConnectError;
  }
  throw new Error("expected connect to fail");
}

describe("parseResponseHead", () => {
  it("waits for the blank line and keeps what follows", () => {
    expect(parseResponseHead(Buffer.from("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"))).toBeNull();
    const h = parseResponseHead(
      Buffer.from("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n\x00\x00\x06\x04"),
    );
    expect(h).toMatchObject({ statusCode: 101, statusLine: "HTTP/1.1 101 Switching Protocols" });
    expect(h?.headers.upgrade).toBe("h2c");
    expect(h?.leftover.toString("hex")).toBe("00000604");
  });
});

describe("transports", () => {
  let daemon: FakeDaemon | undefined;
  let client: BuildkitClient | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await daemon?.close();
    daemon = undefined;
    for (const c of cleanups.splice(0)) await c();
  });

  it("unix:// speaks HTTP/2 directly and answers ListWorkers", async () => {
    daemon = await startFakeDaemon({ handlers: { ListWorkers: listWorkers } });
    client = new BuildkitClient(daemon.addr);
    const workers = await client.listWorkers(2000);
    expect(workers).toEqual(WORKERS.record);
    expect(daemon.calls.map((c) => c.method)).toEqual(["ListWorkers"]);
    expect(daemon.calls[0].headers["grpc-timeout"]).toMatch(/^\d+m$/);
    // The connection is reused.
    await client.listWorkers(2000);
    expect(daemon.calls).toHaveLength(2);
  });

  it("docker-unix:// upgrades POST /grpc to h2c, then speaks HTTP/2 on the same socket", async () => {
    daemon = await startFakeDaemon({ mode: "docker-unix", handlers: { ListWorkers: listWorkers } });
    client = new BuildkitClient(daemon.addr);
    expect(await client.listWorkers(2000)).toEqual(WORKERS.record);
    const req = daemon.upgradeRequests[0];
    expect(req).toMatch(/^POST \/grpc HTTP\/1\.1\r\n/);
    expect(req).toMatch(/\r\nConnection: Upgrade\r\n/i);
    expect(req).toMatch(/\r\nUpgrade: h2c(\r\n|$)/i);
  });

  it("docker-unix:// feeds HTTP/2 bytes that arrived with the 101 head to the session", async () => {
    daemon = await startFakeDaemon({ mode: "docker-unix-leftover", handlers: { ListWorkers: listWorkers } });
    client = new BuildkitClient(daemon.addr);
    expect(await client.listWorkers(3000)).toEqual(WORKERS.record);
    // The 101 head and the server's SETTINGS frame went out in one write: the client had leftover bytes to keep.
    const chunk = daemon.upgradeWrites[0];
    const head = parseResponseHead(chunk)!;
    expect(head.statusCode).toBe(101);
    expect(head.leftover.length).toBeGreaterThanOrEqual(9);
    expect(head.leftover[3]).toBe(0x4); // HTTP/2 frame type SETTINGS
  });

  it("docker-unix:// reports a refused upgrade with the status line", async () => {
    daemon = await startFakeDaemon({ mode: "docker-unix", upgradeStatusLine: "400 Bad Request", handlers: {} });
    const err = await connectError(connectBuildkit(daemon.addr, { timeoutMs: 2000 }));
    expect(err.message).toBe("docker /grpc upgrade failed: HTTP/1.1 400 Bad Request: no upgrade for you");
    expect(err.addr).toBe(daemon.addr);
  });

  it("a missing socket fails with the connect error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bk-none-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    for (const scheme of ["unix", "docker-unix"]) {
      const err = await connectError(connectBuildkit(`${scheme}://${dir}/nope.sock`, { timeoutMs: 2000 }));
      expect(err.message).toBe(`connect ENOENT ${dir}/nope.sock`);
      expect(err.code).toBe("ENOENT");
    }
  });

  it("times out when the peer never answers (upgrade or HTTP/2)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bk-mute-"));
    const held: net.Socket[] = [];
    const mute = net.createServer((s) => {
      held.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => mute.listen(join(dir, "m.sock"), r));
    cleanups.push(async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    });
    const t0 = Date.now();
    const err = await connectError(connectBuildkit(`docker-unix://${dir}/m.sock`, { timeoutMs: 200 }));
    expect(err.message).toBe("connect timed out after 200ms");
    expect(Date.now() - t0).toBeLessThan(2000);
    // HTTP/2 prior knowledge to a mute peer: the socket connects, the ListWorkers deadline ends the call.
    client = new BuildkitClient(`unix://${dir}/m.sock`);
    await expect(client.listWorkers(200)).rejects.toMatchObject({ code: 4 });
  });

  it("aborts a connect", async () => {
    const err = await connectError(connectBuildkit("unix:///nonexistent/x.sock", { signal: AbortSignal.abort() }));
    expect(err.message).toBe("connect aborted");
  });

  it("tcp:// connects with HTTP/2 prior knowledge", async () => {
    const server = http2.createServer();
    server.on("stream", (raw) => {
      const stream = raw as http2.ServerHttp2Stream;
      stream.on("data", () => {});
      stream.on("end", () => {
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(encodeGrpcFrame(encodeListWorkersResponse(WORKERS)));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as net.AddressInfo;
    client = new BuildkitClient(`tcp://127.0.0.1:${port}`);
    expect(await client.listWorkers(2000)).toHaveLength(1);
    await client.close();
    client = undefined;
    const err = await connectError(connectBuildkit("tcp://127.0.0.1:1", { timeoutMs: 2000 }));
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
