import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepError } from "../../workers/types.js";
import {
  BuildkitClient,
  probeBuildkit,
  probeBuildkitAddr,
  runBuild,
  type VertexEvent,
} from "../../workers/image-builder/buildkit/index.js";
import { imageExists, serveTars, startDockerd, ustar, type Dockerd } from "../support/dockerd.js";

// A real Docker engine (dockerd, as root, vfs, no network) answers BuildKit's Control API on /grpc. No registry is
// reachable, so every Dockerfile here is FROM scratch. Never skipped: a missing dockerd fails with the fix.

let dockerd: Dockerd;
let tars: Awaited<ReturnType<typeof serveTars>>;

beforeAll(async () => {
  dockerd = await startDockerd();
  tars = await serveTars({
    ok: ustar([
      { name: "Dockerfile", content: "FROM scratch\nCOPY hello.txt /hello.txt\n" },
      { name: "hello.txt", content: "hello from slipway\n" },
    ]),
    missing: ustar([{ name: "Dockerfile", content: "FROM scratch\nCOPY missing.txt /\n" }]),
    syntax: ustar([{ name: "Dockerfile", content: "FROMM scratch\n" }]),
  });
}, 90_000);

afterAll(async () => {
  await tars?.close();
  await dockerd?.stop();
}, 30_000);

describe("BuildKit client against the Docker engine", () => {
  it("probes the engine: ListWorkers answers with at least one worker", async () => {
    const r = await probeBuildkitAddr(dockerd.addr, 5_000);
    expect(r).toMatchObject({ ok: true, addr: dockerd.addr });
    expect(r.ok && r.workers).toBeGreaterThanOrEqual(1);
    expect(await probeBuildkit(dockerd.addr)).toEqual({ ok: true, addr: dockerd.addr });
    const client = new BuildkitClient(dockerd.addr);
    try {
      const workers = await client.listWorkers(5_000);
      expect(workers[0].platforms.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it("builds a FROM scratch image with the moby exporter and no session", async () => {
    const imageName = `local/bk-test:${randomBytes(6).toString("hex")}`;
    const events: VertexEvent[] = [];
    const t0 = Date.now();
    const res = await runBuild({
      addr: dockerd.addr,
      contextUrl: tars.url("ok"),
      imageName,
      timeoutMs: 60_000,
      onVertex: (e) => events.push(e),
    });
    const took = Date.now() - t0;
    expect(res.exporter).toBe("moby");
    expect(res.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(res.exporterResponse["containerimage.digest"]).toBe(res.digest);
    expect(events.length).toBeGreaterThan(0);
    expect(events).toContainEqual({ name: "[1/1] COPY hello.txt /hello.txt" });
    expect(events).toContainEqual({ name: "[1/1] COPY hello.txt /hello.txt", completed: true });
    expect(tars.requests).toContain("GET /ok.tar");
    const id = await imageExists(dockerd.socket, imageName);
    expect(id).toBe(res.digest); // the moby exporter reports the image id (config digest)
    console.log(`[buildkit-client] built ${imageName} ${res.digest} in ${took}ms`);
  }, 90_000);

  it("a Dockerfile error fails permanently with the build error", async () => {
    const events: VertexEvent[] = [];
    const build = (name: string) =>
      runBuild({
        addr: dockerd.addr,
        contextUrl: tars.url(name),
        imageName: `local/bk-test:${randomBytes(6).toString("hex")}`,
        timeoutMs: 60_000,
        onVertex: (e) => events.push(e),
      }).then(
        () => {
          throw new Error(`build of ${name} unexpectedly succeeded`);
        },
        (err: unknown) => err as StepError,
      );
    const missing = await build("missing");
    expect(missing).toBeInstanceOf(StepError);
    expect(missing.transient).toBe(false);
    expect(missing.message).toMatch(/^buildkit build failed: .*"\/missing\.txt" not found/);
    expect(events.some((e) => e.error?.includes("missing.txt"))).toBe(true);

    const syntax = await build("syntax");
    expect(syntax.transient).toBe(false);
    expect(syntax.message).toMatch(/dockerfile parse error.*unknown instruction: FROMM/i);
  }, 90_000);

  it("a bogus socket fails the probe with the address in the message, and a build transiently", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bk-bogus-"));
    try {
      const addr = `unix://${dir}/buildkitd.sock`;
      const r = await probeBuildkit(addr);
      expect(r).toEqual({ ok: false, error: `${addr}: connect ENOENT ${dir}/buildkitd.sock` });
      const err = await runBuild({ addr, contextUrl: tars.url("ok"), imageName: "local/x:y", timeoutMs: 5_000 }).then(
        () => null,
        (e: unknown) => e as StepError,
      );
      expect(err?.transient).toBe(true);
      expect(err?.message).toContain(addr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
