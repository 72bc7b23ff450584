/**
 * R5 (issue 7): auth under abuse. Non-loopback binds without a token refuse to start (exit 2); generated wrong
 * tokens and forged session cookies get the exact 401; rotation across restarts (old token and its sessions
 * valid while listed in PAAS_AUTH_TOKENS_PREVIOUS, refused once dropped); generated forged webhook signatures
 * get 401 and start nothing; replayed signed deliveries (same X-Paas-Delivery) are ignored, in a burst and after
 * a restart. Extends auth.test.ts / source-ci.test.ts (a few fixed cases each) to generated inputs and restarts.
 */
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHmac, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { call, SAMPLE_SPEC, type JsonResponse } from "../support/api.js";
import { makeDirs, runUntilExit, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { followOp, opHistory } from "./chaos-support.js";

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const A = `token-a-${randomBytes(8).toString("hex")}`;
const B = `token-b-${randomBytes(8).toString("hex")}`;
const C = `token-c-${randomBytes(8).toString("hex")}`;
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
const hmac = (key: string, data: string) => createHmac("sha256", key).update(data).digest("hex");

let dirs: Dirs;
let sw: SlipwayProcess;
afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

function expect401(r: JsonResponse, code: "UNAUTHORIZED" | "INVALID_SIGNATURE", label: string): void {
  expect(r.status, `${label}: ${r.text}`).toBe(401);
  expect(r.headers.get("content-type"), label).toBe("application/json");
  expect(r.headers.get("x-content-type-options"), label).toBe("nosniff");
  if (code === "UNAUTHORIZED") expect(r.headers.get("www-authenticate"), label).toBe('Bearer realm="slipway"');
  const message = code === "UNAUTHORIZED" ? "missing or invalid credentials" : "invalid webhook signature";
  expect(r.body, label).toEqual({ error: { code, message }, request_id: r.headers.get("x-request-id") });
}

describe("R5: refuse to start without a token on a non-loopback address", () => {
  it("exits 2 for every non-loopback address, and for a blank or short token there", async () => {
    const refused = [
      "0.0.0.0:0",
      "[::]:0",
      ":0",
      "192.0.2.10:0",
      "10.0.0.1:0",
      "128.0.0.1:0",
      "[::2]:0",
      "[::ffff:127.0.0.1]:0",
      "localhost.example.com:0",
      "127.0.0.1.nip.io:0",
      "example.com:0",
    ];
    const results = await Promise.all(refused.map((addr) => runUntilExit({ PAAS_HTTP_ADDR: addr })));
    for (const [i, addr] of refused.entries()) {
      expect(results[i].code, addr).toBe(2);
      expect(results[i].stderr.trim(), addr).toBe(
        `refusing to listen on ${addr} without PAAS_AUTH_TOKEN: set PAAS_AUTH_TOKEN or use a loopback PAAS_HTTP_ADDR`,
      );
    }
    const blank = await runUntilExit({ PAAS_HTTP_ADDR: "0.0.0.0:0", PAAS_AUTH_TOKEN: "   " });
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain("refusing to listen on 0.0.0.0:0 without PAAS_AUTH_TOKEN");
    const short = await runUntilExit({ PAAS_HTTP_ADDR: "0.0.0.0:0", PAAS_AUTH_TOKEN: "x".repeat(15) });
    expect(short.code).toBe(2);
    expect(short.stderr.trim()).toBe("PAAS_AUTH_TOKEN must be at least 16 characters");
  });
});

describe("R5: tokens, sessions, rotation, webhook signatures and replays", () => {
  let secret = "";
  let otherSecret = "";
  let sessionA = "";
  const replays: { body: string; headers: Record<string, string> }[] = [];

  it("answers every generated wrong token and forged session cookie with the exact 401", async () => {
    dirs = await makeDirs();
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: A });
    console.log(`R5: seed ${SEED} (rerun with CHAOS_SEED=${SEED})`);
    const created = await call(
      sw.base,
      "POST",
      "/api/events/registration",
      { action: "create", project_id: "hooked", spec: SAMPLE_SPEC },
      bearer(A),
    );
    expect(created.status).toBe(202);
    const opId = created.body.op.id;
    expect((await followOp(() => sw.base, opId, { headers: bearer(A), deadlineMs: 60_000 })).terminal).toBe(true);

    const targets: [string, string][] = [
      ["GET", "/api/projects"],
      ["GET", "/api/projects/hooked"],
      ["GET", "/api/system"],
      ["GET", "/metrics"],
      ["GET", `/api/ops/${opId}/events`],
      ["GET", "/api/audit"],
      ["POST", "/api/events/registration"],
      ["DELETE", "/api/projects/hooked"],
      ["GET", "/api/nope"],
    ];
    const now = Date.now();
    const cookie = (issued: number, key: string) =>
      `slipway_session=${issued}.${hmac(key, `slipway-session:${issued}`)}`;
    const visible = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
    const flip = (t: string, i: number) =>
      t.slice(0, i % t.length) +
      String.fromCharCode(((t.charCodeAt(i % t.length) - 32 + 1) % 94) + 33) +
      t.slice((i % t.length) + 1);
    const credential: fc.Arbitrary<Record<string, string>> = fc.oneof(
      visible.map((t) => ({ Authorization: `Bearer ${t}` })),
      fc.nat().map((i) => ({ Authorization: `Bearer ${flip(A, i)}` })),
      fc.nat({ max: A.length - 1 }).map((n) => ({ Authorization: `Bearer ${A.slice(0, n)}` })),
      visible.filter((s) => s.length > 0).map((s) => ({ Authorization: `Bearer ${A}${s}` })),
      fc.constantFrom<Record<string, string>>(
        { Authorization: `Bearer ${A.toUpperCase()}` },
        { Authorization: `Basic ${Buffer.from(`user:${A}`).toString("base64")}` },
        { Authorization: `Token ${A}` },
        { Authorization: A },
        { Authorization: "Bearer" },
        { Authorization: "Bearer " },
        { Authorization: `Bearer ${B}` },
        { Authorization: `Bearer ${A},${A}` },
        { Cookie: cookie(now - 13 * 3_600_000, A) }, // expired
        { Cookie: cookie(now + 3_600_000, A) }, // issued in the future
        { Cookie: cookie(now, B) }, // signed with a token this process does not know
        { Cookie: `slipway_session=${now}.${"0".repeat(64)}` },
        { Cookie: `slipway_session=${A}` },
        { Cookie: `slipway_session=${now}.${hmac(A, `slipway-session:${now}`).toUpperCase()}` },
      ),
      visible.map((v) => ({ Cookie: `slipway_session=${v}` })),
    );
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(credential, fc.constantFrom(...targets), async (headers, [method, path]) => {
        const r = await call(sw.base, method, path, method === "GET" ? undefined : "{}", headers);
        expect401(r, "UNAUTHORIZED", `${method} ${path} ${JSON.stringify(headers)}`);
        checked++;
      }),
      { numRuns: 400, seed: SEED },
    );
    console.log(`R5: ${checked} wrong credentials refused`);
    // The project is untouched by all the refused requests.
    expect((await call(sw.base, "GET", "/api/projects/hooked", undefined, bearer(A))).body.status.phase).toBe("Ready");
  });

  it("answers every generated forged webhook signature with 401 INVALID_SIGNATURE and starts nothing", async () => {
    const other = await call(
      sw.base,
      "POST",
      "/api/events/registration",
      { action: "create", project_id: "other", spec: SAMPLE_SPEC },
      bearer(A),
    );
    expect(other.status).toBe(202);
    await followOp(() => sw.base, other.body.op.id, { headers: bearer(A), deadlineMs: 60_000 });
    const secretOf = async (id: string) =>
      (await readFile(join(dirs.artifactsRoot, id, "repos/source/.git/paas-webhook-secret"), "utf8")).trim();
    secret = await secretOf("hooked");
    otherSecret = await secretOf("other");
    const opsBefore = (await opHistory(sw.base, "hooked", bearer(A))).length;

    const bodyArb = fc
      .record({ commit: fc.stringMatching(/^[0-9a-f]{7,40}$/), branch: fc.constantFrom("main", "refs/heads/main") })
      .map((b) => JSON.stringify({ project_id: "hooked", repo: "source", ...b }));
    const forged = (body: string) =>
      fc.oneof(
        fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256=${h}`),
        fc.constant(`sha256=${hmac(otherSecret, body)}`), // another project's secret
        fc.constant(`sha256=${hmac(secret, `${body} `)}`), // signed a different body
        fc.constant(`sha256=${hmac(secret, body.replace("hooked", "other"))}`),
        fc.constant(`sha256=${hmac(A, body)}`), // the API token as the key
        fc.nat({ max: 63 }).map((n) => `sha256=${hmac(secret, body).slice(0, n)}`),
        fc.constant(`sha1=${createHmac("sha1", secret).update(body).digest("hex")}`),
        fc.constant(hmac(secret, body)), // no sha256= prefix
        fc.constant(`sha256=${hmac(secret, body)}00`),
        fc.constant("sha256="),
        fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1 }),
      );
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        bodyArb.chain((body) => fc.tuple(fc.constant(body), forged(body))),
        async ([body, signature]) => {
          const r = await call(sw.base, "POST", "/api/webhooks/source", body, {
            "X-Paas-Signature-256": signature,
            "X-Paas-Delivery": `forged-${checked}`,
          });
          expect401(r, "INVALID_SIGNATURE", `${signature} over ${body}`);
          checked++;
        },
      ),
      { numRuns: 300, seed: SEED + 1 },
    );
    // Unsigned (no bearer, no signature): UNAUTHORIZED.
    expect401(
      await call(sw.base, "POST", "/api/webhooks/source", JSON.stringify({ project_id: "hooked", branch: "main" })),
      "UNAUTHORIZED",
      "unsigned",
    );
    console.log(`R5: ${checked} forged signatures refused`);
    expect((await opHistory(sw.base, "hooked", bearer(A))).length).toBe(opsBefore);
  });

  it("ignores replayed signed deliveries: one op per delivery id, in a concurrent burst and afterwards", async () => {
    const signed = (body: string, delivery: string) => ({
      body,
      headers: { "X-Paas-Signature-256": `sha256=${hmac(secret, body)}`, "X-Paas-Delivery": delivery },
    });
    const ciOps = async () => (await opHistory(sw.base, "hooked", bearer(A))).filter((h) => h.kind === "ci");
    const before = (await ciOps()).length;
    // A blank commit is never deduped (SPEC §6.2), so only the delivery id can stop a replay here.
    const deliveries = [
      signed(JSON.stringify({ project_id: "hooked", repo: "source", branch: "main", commit: "" }), "replay-1"),
      signed(JSON.stringify({ project_id: "hooked", ref: "refs/heads/main" }), "replay-2"),
    ];
    for (const d of deliveries) {
      replays.push(d);
      // The first delivery and 15 replays of the same bytes at once.
      const burst = await Promise.all(
        Array.from({ length: 16 }, () => call(sw.base, "POST", "/api/webhooks/source", d.body, d.headers)),
      );
      const accepted = burst.filter((r) => r.status === 202 && r.body.accepted === true);
      expect(
        accepted,
        burst.map((r) => `${r.status} ${r.body?.reason ?? r.body?.error?.code}`).join(", "),
      ).toHaveLength(1);
      for (const r of burst) {
        if (r === accepted[0]) continue;
        // The losers saw either the recorded delivery, or (racing it) the op it started.
        if (r.status === 202)
          expect(r.body).toMatchObject({ accepted: false, reason: "ignored: delivery already processed" });
        else expect(r.body.error.code, r.text).toBe("CONFLICT_ACTIVE_OPERATION");
      }
      await followOp(() => sw.base, accepted[0].body.op.id, { headers: bearer(A), deadlineMs: 60_000 });
      // Replays after the op finished: ignored, sequentially and concurrently.
      const later = await Promise.all(
        Array.from({ length: 8 }, () => call(sw.base, "POST", "/api/webhooks/source", d.body, d.headers)),
      );
      for (const r of later) {
        expect(r.status).toBe(202);
        expect(r.body).toMatchObject({ accepted: false, reason: "ignored: delivery already processed", op: null });
      }
    }
    expect((await ciOps()).length).toBe(before + deliveries.length);
  });

  it("rotates tokens across restarts: previous tokens and their sessions work until dropped; replays stay ignored", async () => {
    const login = await call(sw.base, "POST", "/api/session", { token: A });
    expect(login.status).toBe(200);
    sessionA = login.headers.get("set-cookie")!.split(";")[0];
    expect(await sw.stop("SIGTERM")).toBe(0);

    // A → B, A still accepted.
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: B, PAAS_AUTH_TOKENS_PREVIOUS: A });
    for (const h of [bearer(A), bearer(B), { Cookie: sessionA }]) {
      expect((await call(sw.base, "GET", "/api/projects/hooked", undefined, h)).status, JSON.stringify(h)).toBe(200);
    }
    expect401(await call(sw.base, "GET", "/api/projects", undefined, bearer(C)), "UNAUTHORIZED", "C before rotation");
    const sessionB = (await call(sw.base, "POST", "/api/session", { token: B })).headers
      .get("set-cookie")!
      .split(";")[0];
    const viaOld = await call(
      sw.base,
      "PUT",
      "/api/projects/hooked",
      { ...SAMPLE_SPEC, environments: { dev: { vars: { ROTATED: "1" } } } },
      bearer(A),
    );
    expect(viaOld.status).toBe(202);
    await followOp(() => sw.base, viaOld.body.op.id, { headers: bearer(B), deadlineMs: 60_000 });
    // Deliveries are remembered across the restart.
    for (const d of replays) {
      const r = await call(sw.base, "POST", "/api/webhooks/source", d.body, d.headers);
      expect(r.body).toMatchObject({ accepted: false, reason: "ignored: delivery already processed" });
    }
    expect(await sw.stop("SIGTERM")).toBe(0);

    // B → C: A and A's session refused now; B and B's session still accepted.
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: C, PAAS_AUTH_TOKENS_PREVIOUS: ` ${B} ,` });
    for (const h of [bearer(A), { Cookie: sessionA }]) {
      expect401(
        await call(sw.base, "GET", "/api/projects", undefined, h),
        "UNAUTHORIZED",
        `dropped ${JSON.stringify(h)}`,
      );
    }
    for (const h of [bearer(B), bearer(C), { Cookie: sessionB }]) {
      expect((await call(sw.base, "GET", "/api/projects/hooked", undefined, h)).status, JSON.stringify(h)).toBe(200);
    }
    expect401(await call(sw.base, "POST", "/api/session", { token: A }), "UNAUTHORIZED", "session for A");
    expect((await call(sw.base, "POST", "/api/session", { token: B })).status).toBe(200);
    expect(await sw.stop("SIGTERM")).toBe(0);

    // C alone: B refused.
    sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: C });
    expect401(await call(sw.base, "GET", "/api/projects", undefined, bearer(B)), "UNAUTHORIZED", "B after rotation");
    expect401(
      await call(sw.base, "GET", "/api/projects", undefined, { Cookie: sessionB }),
      "UNAUTHORIZED",
      "B session",
    );
    const p = await call(sw.base, "GET", "/api/projects/hooked", undefined, bearer(C));
    expect(p.body.spec.environments).toEqual({ dev: { vars: { ROTATED: "1" } } });
  });
});
