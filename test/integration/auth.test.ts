import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, runUntilExit, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const TOKEN = "current-token-0123456789";
const OLD = "previous-token-abcdefghij";

describe("fail-closed start", () => {
  it("refuses a non-loopback address without a token (exit 2)", async () => {
    for (const addr of ["0.0.0.0:0", "[::]:0"]) {
      const r = await runUntilExit({ PAAS_HTTP_ADDR: addr });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        `refusing to listen on ${addr} without PAAS_AUTH_TOKEN: set PAAS_AUTH_TOKEN or use a loopback PAAS_HTTP_ADDR`,
      );
    }
  });

  it("refuses a short token and an invalid value (exit 2)", async () => {
    const short = await runUntilExit({ PAAS_HTTP_ADDR: "127.0.0.1:0", PAAS_AUTH_TOKEN: "short" });
    expect(short.code).toBe(2);
    expect(short.stderr.trim()).toBe("PAAS_AUTH_TOKEN must be at least 16 characters");
    const bad = await runUntilExit({ PAAS_HTTP_ADDR: "127.0.0.1:0", PAAS_SSE_HEARTBEAT: "soon" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid PAAS_SSE_HEARTBEAT="soon"');
  });

  it("exits 1 naming the install command when nats-server is missing", async () => {
    const dirs = await makeDirs();
    try {
      const r = await runUntilExit({
        PAAS_HTTP_ADDR: "127.0.0.1:0",
        PAAS_NATS_SERVER_BIN: "/nonexistent/nats-server",
        PAAS_DATA_DIR: dirs.dataDir,
        PAAS_ARTIFACTS_ROOT: dirs.artifactsRoot,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'nats-server not found: set PAAS_NATS_SERVER_BIN or install it with "make setup" (apt-get install -y nats-server)',
      );
    } finally {
      await dirs.cleanup();
    }
  });
});

describe("bearer tokens and sessions", () => {
  let dirs: Dirs;
  let sw: SlipwayProcess;
  beforeAll(async () => {
    dirs = await makeDirs();
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: TOKEN, PAAS_AUTH_TOKENS_PREVIOUS: ` ${OLD} ,,` });
  });
  afterAll(async () => {
    await sw?.stop();
    await dirs?.cleanup();
  });

  it("logs that auth is enabled", () => {
    expect(sw.logs()).toContain("Auth: enabled");
  });

  it("refuses protected routes without valid credentials", async () => {
    for (const [method, path] of [
      ["GET", "/api/projects"],
      ["GET", "/api/system"],
      ["POST", "/api/events/registration"],
      ["GET", "/api/nope"],
    ]) {
      const r = await call(sw.base, method, path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer realm="slipway"');
      expect(r.body.error).toEqual({ code: "UNAUTHORIZED", message: "missing or invalid credentials" });
    }
    expect(
      (await call(sw.base, "GET", "/api/projects", undefined, { Authorization: "Bearer wrong-token-000000000" }))
        .status,
    ).toBe(401);
  });

  it("leaves health, readiness, the UI and the session endpoint public", async () => {
    expect((await call(sw.base, "GET", "/healthz")).status).toBe(200);
    expect((await call(sw.base, "GET", "/api/healthz")).status).toBe(200);
    expect((await call(sw.base, "GET", "/readyz")).status).toBe(200);
    expect((await fetch(`${sw.base}/`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
    expect((await call(sw.base, "GET", "/api/session")).body).toEqual({ auth_enabled: true, authenticated: false });
  });

  it("accepts the current and the previous token", async () => {
    for (const t of [TOKEN, OLD]) {
      const r = await call(sw.base, "GET", "/api/system", undefined, { Authorization: `Bearer ${t}` });
      expect(r.status).toBe(200);
      expect(r.body.auth_enabled).toBe(true);
    }
    const created = await call(sw.base, "POST", "/api/projects", SAMPLE_SPEC, { Authorization: `Bearer ${TOKEN}` });
    expect(created.status).toBe(202);
  });

  it("issues a session cookie for a valid token and clears it on delete", async () => {
    expect((await call(sw.base, "POST", "/api/session", { token: "nope" })).status).toBe(401);
    const login = await call(sw.base, "POST", "/api/session", { token: OLD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ auth_enabled: true, authenticated: true });
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^slipway_session=\d+\.[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
    const value = cookie.split(";")[0];
    expect((await call(sw.base, "GET", "/api/projects", undefined, { Cookie: value })).status).toBe(200);
    expect((await call(sw.base, "GET", "/api/session", undefined, { Cookie: value })).body.authenticated).toBe(true);
    expect((await call(sw.base, "GET", "/api/projects", undefined, { Cookie: `${value}00` })).status).toBe(401);
    const out = await call(sw.base, "DELETE", "/api/session");
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

describe("the source webhook with auth enabled", () => {
  let dirs: Dirs;
  let sw: SlipwayProcess;
  beforeAll(async () => {
    dirs = await makeDirs();
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await sw?.stop();
    await dirs?.cleanup();
  });

  it("needs a valid signature or bearer token", async () => {
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    const created = await call(
      sw.base,
      "POST",
      "/api/events/registration",
      { action: "create", project_id: "guarded", spec: SAMPLE_SPEC },
      bearer,
    );
    expect(created.status).toBe(202);
    await waitForOp(sw.base, created.body.op.id, bearer);
    const secret = (
      await readFile(join(dirs.artifactsRoot, "guarded/repos/source/.git/paas-webhook-secret"), "utf8")
    ).trim();
    const body = JSON.stringify({ project_id: "guarded", branch: "main", commit: "sig-1" });

    const unsigned = await call(sw.base, "POST", "/api/webhooks/source", body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe("UNAUTHORIZED");
    const forged = await call(sw.base, "POST", "/api/webhooks/source", body, {
      "X-Paas-Signature-256": `sha256=${"0".repeat(64)}`,
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("INVALID_SIGNATURE");
    const unknown = await call(
      sw.base,
      "POST",
      "/api/webhooks/source",
      JSON.stringify({ project_id: "ghost", branch: "main" }),
      {
        "X-Paas-Signature-256": `sha256=${"0".repeat(64)}`,
      },
    );
    expect(unknown.body.error.code).toBe("INVALID_SIGNATURE");

    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    const signed = await call(sw.base, "POST", "/api/webhooks/source", body, { "X-Paas-Signature-256": signature });
    expect(signed.status).toBe(202);
    expect(signed.body.accepted).toBe(true);
    await waitForOp(sw.base, signed.body.op.id, bearer);
    const viaBearer = await call(
      sw.base,
      "POST",
      "/api/webhooks/source",
      JSON.stringify({ project_id: "guarded", branch: "main", commit: "sig-2" }),
      bearer,
    );
    expect(viaBearer.status).toBe(202);
    expect(viaBearer.body.accepted).toBe(true);
    await waitForOp(sw.base, viaBearer.body.op.id, bearer);
  });
});
