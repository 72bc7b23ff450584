import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

let dirs: Dirs;
let sw: SlipwayProcess;

/** A raw HTTP request that keeps the path byte-for-byte (fetch would normalise `..`). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  dirs = await makeDirs();
  sw = await startSlipway(dirs);
  const r = await call(sw.base, "POST", "/api/events/registration", {
    action: "create",
    project_id: "web",
    spec: SAMPLE_SPEC,
  });
  await waitForOp(sw.base, r.body.op.id);
});

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

describe("request pipeline", () => {
  it("redirects unclean paths with 301 and keeps the query", async () => {
    const a = await raw(sw.base, "GET", "/api//projects?x=1");
    expect(a.status).toBe(301);
    expect(a.headers.location).toBe("/api/projects?x=1");
    const b = await raw(sw.base, "GET", "/api/projects/web/./artifacts/../ops");
    expect(b.status).toBe(301);
    expect(b.headers.location).toBe("/api/projects/web/ops");
  });

  it("answers unknown routes with 404 ROUTE_NOT_FOUND and wrong methods with 405 + Allow", async () => {
    for (const p of [
      "/api/nope",
      "/api/projects/",
      "/api/events/registration/",
      "/api/projects/web/unknown",
      "/nothing.txt",
    ]) {
      const r = await call(sw.base, "GET", p);
      expect(r.status, p).toBe(404);
      expect(r.body.error).toEqual({ code: "ROUTE_NOT_FOUND", message: "404 page not found" });
    }
    const m = await call(sw.base, "PATCH", "/api/projects");
    expect(m.status).toBe(405);
    expect(m.headers.get("allow")).toBe("GET, POST");
    expect(m.body.error).toEqual({ code: "METHOD_NOT_ALLOWED", message: "method not allowed" });
    const head = await raw(sw.base, "HEAD", "/api/projects");
    expect(head.status).toBe(405);
    const headUi = await raw(sw.base, "HEAD", "/healthz");
    expect(headUi.status).toBe(200);
    expect(headUi.body).toBe("");
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const big = JSON.stringify({ action: "create", pad: "x".repeat(1_048_577) });
    const r = await call(sw.base, "POST", "/api/events/registration", big);
    expect(r.status).toBe(413);
    expect(r.body.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "request body exceeds 1048576 bytes" });
  });

  it("serves the UI with security headers and health endpoints", async () => {
    const ui = await fetch(`${sw.base}/`, { signal: AbortSignal.timeout(10_000) });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain("<title>Slipway</title>");
    expect(ui.headers.get("content-security-policy")).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    );
    expect(ui.headers.get("x-frame-options")).toBe("DENY");
    const h = await call(sw.base, "GET", "/healthz");
    expect(h.body.ok).toBe(true);
    expect(h.body.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect((await call(sw.base, "GET", "/api/healthz")).status).toBe(200);
    const ready = await call(sw.base, "GET", "/readyz");
    expect(ready.body).toEqual({ ok: true, checks: { nats: "ok", jetstream: "ok", kv: "ok", streams: "ok" } });
  });

  it("reports the system", async () => {
    const s = await call(sw.base, "GET", "/api/system");
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      version: "0.1.0",
      http_addr: new URL(sw.base).host,
      artifacts_root: dirs.artifactsRoot,
      builder_mode_requested: "artifact",
      builder_mode_effective: "artifact",
      commit_watcher_enabled: false,
      auth_enabled: false,
      nats: { embedded: true, mode: "embedded", store_dir: join(dirs.dataDir, "nats"), store_dir_mode: "persistent" },
      realtime: { sse_enabled: true, sse_replay_window: 1000, sse_heartbeat_interval: "10s" },
    });
    expect(s.body.nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(["always", "server-default"]).toContain(s.body.nats.sync_interval);
  });
});

describe("artifacts", () => {
  it("downloads a file with attachment headers and honours a single Range", async () => {
    const full = await fetch(`${sw.base}/api/projects/web/artifacts/build/image.txt`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(full.status).toBe(200);
    const text = await full.text();
    expect(text).toMatch(/^local\/shop-api:[0-9a-f]{12}\n$/);
    expect(full.headers.get("content-type")).toBe("application/octet-stream");
    expect(full.headers.get("content-disposition")).toBe('attachment; filename="image.txt"');
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    const part = await fetch(`${sw.base}/api/projects/web/artifacts/build/image.txt`, {
      headers: { Range: "bytes=0-4" },
      signal: AbortSignal.timeout(10_000),
    });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe("local");
    expect(part.headers.get("content-range")).toBe(`bytes 0-4/${Buffer.byteLength(text)}`);
    const bad = await call(sw.base, "GET", "/api/projects/web/artifacts/build/image.txt", undefined, {
      Range: "bytes=999-",
    });
    expect(bad.status).toBe(416);
    expect(bad.body.error.code).toBe("RANGE_NOT_SATISFIABLE");
    const multi = await fetch(`${sw.base}/api/projects/web/artifacts/build/image.txt`, {
      headers: { Range: "bytes=0-1,3-4" },
      signal: AbortSignal.timeout(10_000),
    });
    expect(multi.status).toBe(200);
    expect(await multi.text()).toBe(text);
  });

  it("never reads outside the project directory", async () => {
    // A secret beside the project dir and a symlink inside it that points out.
    await writeFile(join(dirs.artifactsRoot, "secret.txt"), "top secret");
    await mkdir(join(dirs.artifactsRoot, "web", "links"), { recursive: true });
    await symlink(join(dirs.artifactsRoot, "secret.txt"), join(dirs.artifactsRoot, "web", "links", "out.txt"));
    const attempts = [
      "/api/projects/web/artifacts/..%2Fsecret.txt",
      "/api/projects/web/artifacts/%2E%2E/secret.txt",
      "/api/projects/web/artifacts/build%2F..%2F..%2Fsecret.txt",
      "/api/projects/web/artifacts/%2Fetc%2Fpasswd",
      "/api/projects/web/artifacts/links/out.txt",
      "/api/projects/web/artifacts/repos/source/.git/paas-webhook-secret",
      "/api/projects/web/artifacts/repos/source/.git%2Fconfig",
      "/api/projects/web/artifacts/build%5Cimage.txt",
      "/api/projects/web/artifacts/build/image.txt%00",
      "/api/projects/web/artifacts/missing.txt",
      "/api/projects/..%2Fweb/artifacts/build/image.txt",
    ];
    for (const p of attempts) {
      const r = await raw(sw.base, "GET", p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain("top secret");
      expect(JSON.parse(r.body).error.code, p).toBe("NOT_FOUND");
    }
    const list = await call(sw.base, "GET", "/api/projects/web/artifacts/");
    expect(list.body.files).not.toContain("links/out.txt");
    expect(list.body.files.some((f: string) => f.includes(".git/"))).toBe(false);
    expect((await call(sw.base, "GET", "/api/projects/Not_Valid/artifacts")).body).toEqual({ files: [] });
    // A raw `#` is data, not a fragment: this is the artifact list of the (invalid) project "web#frag", not
    // GET /api/projects/web.
    const hash = await raw(sw.base, "GET", "/api/projects/web#frag/artifacts");
    expect([hash.status, JSON.parse(hash.body)]).toEqual([200, { files: [] }]);
    const dir = await call(sw.base, "GET", "/api/projects/web/artifacts/build");
    expect(dir.status).toBe(500);
    expect(dir.body.error.message).toBe("failed to read artifact");
    expect((await raw(sw.base, "HEAD", "/api/projects/web/artifacts/build/image.txt")).status).toBe(405);
  });
});
