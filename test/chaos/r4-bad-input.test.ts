/**
 * R4 (issue 7): a fast-check corpus of bad inputs against every endpoint — malformed JSON, wrong types, huge
 * and unicode values, path traversal (plain and encoded) in every path parameter, oversize bodies. Holds:
 * only the 4xx codes of SPEC §0.3 with the exact error shape, 0 responses ≥ 500 (the one 5xx the SPEC itself
 * prescribes, a directory named as an artifact, is counted apart), no canary outside a project directory is
 * ever returned, `{files}` never escapes, and nothing is written outside the data and artifacts dirs.
 * Extends http.test.ts ("never reads outside the project directory": 11 fixed paths) to a generated corpus.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, realpath, stat, symlink, writeFile } from "node:fs/promises";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { call, SAMPLE_SPEC } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { errorShapeProblem, followOp, rawRequest, type RawResponse } from "./chaos-support.js";

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const PATH_RUNS = Number(process.env.CHAOS_R4_PATH_RUNS ?? 2500);
const BODY_RUNS = Number(process.env.CHAOS_R4_BODY_RUNS ?? 1500);
const NONCE = randomBytes(6).toString("hex");
const CANARY = {
  root: `CANARY-ROOT-${NONCE}`,
  artifacts: `CANARY-ARTIFACTS-${NONCE}`,
  victim: `CANARY-VICTIM-${NONCE}`,
  data: `CANARY-DATA-${NONCE}`,
};
/** A file name traversal payloads aim at: it must never appear anywhere. */
const PWNED = `pwned-${NONCE}`;
const ALLOWED_STATUS = new Set([200, 202, 204, 206, 301, 400, 401, 404, 405, 409, 413, 416]);

let dirs: Dirs;
let sw: SlipwayProcess;
let opId = "";
let releaseId = "";
const canaryFiles: { path: string; content: string; mtimeMs: number }[] = [];

beforeAll(async () => {
  dirs = await makeDirs();
  // Canaries beside the artifacts root, in it (outside any project dir), in a foreign dir and in the data dir.
  await mkdir(join(dirs.artifactsRoot, "victim"), { recursive: true, mode: 0o750 });
  await mkdir(dirs.dataDir, { recursive: true });
  for (const [path, content] of [
    [join(dirs.root, "canary-root.txt"), CANARY.root],
    [join(dirs.artifactsRoot, "canary-artifacts.txt"), CANARY.artifacts],
    [join(dirs.artifactsRoot, "victim", "secret.txt"), CANARY.victim],
    [join(dirs.dataDir, "canary-data.txt"), CANARY.data],
  ]) {
    await writeFile(path, content);
    canaryFiles.push({ path, content, mtimeMs: (await stat(path)).mtimeMs });
  }
  sw = await startSlipway(dirs);
  const r = await call(sw.base, "POST", "/api/events/registration", {
    action: "create",
    project_id: "web",
    spec: SAMPLE_SPEC,
  });
  expect(r.status).toBe(202);
  opId = r.body.op.id;
  expect((await followOp(() => sw.base, opId, { deadlineMs: 60_000 })).terminal).toBe(true);
  releaseId = (await call(sw.base, "GET", "/api/projects/web/releases?environment=dev")).body.items[0].id;
  // Symlinks inside the project dir that point out of it: a file and a directory.
  await mkdir(join(dirs.artifactsRoot, "web", "links"), { recursive: true });
  await symlink(join(dirs.root, "canary-root.txt"), join(dirs.artifactsRoot, "web", "links", "out.txt"));
  await symlink(dirs.artifactsRoot, join(dirs.artifactsRoot, "web", "linkdir"));
});

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

// ---- generators ---------------------------------------------------------------------------------------------

const visibleAscii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const anyUnicode = fc.string({ unit: "grapheme", maxLength: 40 });

/** One path segment, as sent on the wire (only bytes 0x21–0x7e; anything else percent-encoded). */
const segment = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "..",
      ".",
      "%2e%2e",
      "%2E%2E",
      ".%2e",
      "%2e.",
      "%2e",
      "%252e%252e",
      "..%2f",
      "..%2F",
      "%2f",
      "%2F..%2F..",
      "%5c",
      "..%5c..%5c",
      "..\\..\\",
      "%c0%ae%c0%ae",
      "%c0%af",
      "%e0%80%ae",
      "%00",
      "x%00.txt",
      "%",
      "%zz",
      "%e0%a4%a",
      "%ff%fe",
      "%F0%9F%92%A9",
      "~",
      "~root",
      "%2e%2e%2fcanary-root.txt",
      "..%2f..%2fcanary-root.txt",
      "..%2fcanary-artifacts.txt",
      "..%2fvictim%2fsecret.txt",
      "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "%2fetc%2fpasswd",
      "%2F",
      "web",
      "victim",
      "build",
      "image.txt",
      "deploy",
      ".git",
      "%2egit",
      ".GIT",
      "links",
      "out.txt",
      "linkdir",
      "canary-artifacts.txt",
      "canary-root.txt",
      "secret.txt",
      "compare",
      "events",
      "artifacts",
      PWNED,
      `..%2f${PWNED}`,
      "a".repeat(300),
      "-",
      "Web",
      "WEB",
      " web",
      "%20web",
      "web%20",
      "web%0a",
      "web;x",
      "web?x=1",
      "web#frag",
      "*",
      "%2A",
      ":id",
      "{id}",
      "index.html",
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom("OPID", "RELID") },
  { weight: 2, arbitrary: anyUnicode.map((s) => encodeURIComponent(s)) },
  { weight: 2, arbitrary: visibleAscii.filter((s) => !s.includes("?") && !s.includes("#")) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,70}$/) },
);

const artifactPath = fc
  .array(segment, { minLength: 1, maxLength: 5 })
  .chain((segs) => fc.constantFrom(segs.join("/"), segs.join("%2f"), segs.join("%2F"), segs.join("/./")));

const queryValue = fc.oneof(
  fc.constantFrom("", "0", "-1", "1", "100", "101", "99999999999999999999", "1e3", "0x10", " 5", "abc", "null"),
  fc.constantFrom("2026-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "OPID", "RELID", "dev", "prod", "csv", "jsonl"),
  anyUnicode.map((s) => encodeURIComponent(s)),
  segment,
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "limit",
        "cursor",
        "before",
        "environment",
        "from",
        "to",
        "format",
        "last_event_id",
        "project_id",
        "action",
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((kv) => (kv.length ? `?${kv.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

const pathRequest = fc.record({
  method: fc.constantFrom("GET", "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
  template: fc.constantFrom(
    "/api/projects/{id}",
    "/api/projects/{id}/",
    "/api/projects/{id}/ops",
    "/api/projects/{id}/artifacts",
    "/api/projects/{id}/artifacts/",
    "/api/projects/{id}/artifacts/{path}",
    "/api/projects/web/artifacts/{path}",
    "/api/projects/web/artifacts/{path}",
    "/api/projects/{id}/overview",
    "/api/projects/{id}/journey",
    "/api/projects/{id}/releases",
    "/api/projects/{id}/releases/{rid}",
    "/api/projects/web/releases/{rid}",
    "/api/ops/{op}",
    "/api/ops/{op}/events",
    "/api/ops/{op}/{seg}",
    "/_build/context/{seg}",
    "/assets/{path}",
    "/{path}",
    "/api/{path}",
    "/api/events/{seg}",
  ),
  id: segment,
  path: artifactPath,
  rid: segment,
  op: segment,
  seg: segment,
  query,
  headers: fc.record(
    {
      "X-Request-Id": visibleAscii,
      Range: fc.oneof(
        fc.constantFrom(
          "bytes=0-4",
          "bytes=999999-",
          "bytes=-5",
          "bytes=5-1",
          "bytes=0-1,3-4",
          "bytes=-0",
          "items=0-1",
        ),
        visibleAscii.map((s) => `bytes=${s}`),
      ),
      "Last-Event-ID": fc.oneof(fc.constantFrom("0", "3", "17", "-1", "1e3", "99999999999999999"), visibleAscii),
      Authorization: visibleAscii.map((s) => `Bearer ${s}`),
      Host: fc.constantFrom("a b", "x:abc", "[::1", "127.0.0.1:0", "localhost", "evil.example:80", "a/b"),
    },
    { requiredKeys: [] },
  ),
});

const fill = (s: string) => s.replace(/OPID/g, opId).replace(/RELID/g, releaseId);
/** Percent-encode whatever a request line cannot carry raw (spaces, controls, non-ASCII). */
const wire = (path: string) => path.replace(/[^\x21-\x7e]/gu, (ch) => encodeURIComponent(ch));

/** Known fields of the request envelopes, and spec fields, to mutate. */
const ENVELOPE_FIELDS = [
  "action",
  "project_id",
  "spec",
  "environment",
  "from_env",
  "to_env",
  "release_id",
  "scope",
  "override",
  "repo",
  "branch",
  "ref",
  "commit",
  "token",
];
const HUGE = ["x".repeat(200_000), "é".repeat(300_000), "\u{1F4A9}".repeat(100_000), "\u0000".repeat(50_000)];
const jsonish = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: anyUnicode },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(`../../${PWNED}`, "/etc/passwd", "..", "web", "dev", "prod", "OPID", "RELID"),
  },
);

const specMutation = fc.record(
  {
    apiVersion: jsonish,
    kind: jsonish,
    name: fc.oneof(jsonish, fc.constantFrom(`../../${PWNED}`, "a".repeat(64), "Shop", "shop api")),
    runtime: jsonish,
    capabilities: fc.oneof(jsonish, fc.array(jsonish, { maxLength: 4 })),
    environments: fc.oneof(
      jsonish,
      fc.dictionary(
        fc.oneof(fc.constantFrom("dev", "__proto__", "constructor", "../x", "prod", "Dev", ""), anyUnicode),
        fc.oneof(
          jsonish,
          fc.record({
            vars: fc.oneof(jsonish, fc.dictionary(fc.oneof(anyUnicode, fc.constantFrom("__proto__")), jsonish)),
          }),
        ),
        { maxKeys: 3 },
      ),
    ),
    networkPolicies: fc.oneof(jsonish, fc.record({ ingress: jsonish, egress: jsonish }, { requiredKeys: [] })),
    extra: jsonish,
  },
  { requiredKeys: [] },
);

const envelope = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...ENVELOPE_FIELDS), jsonish, { maxKeys: 6 }),
    fc.option(specMutation, { nil: undefined }),
    fc.constantFrom("create", "update", "delete", " CREATE ", "Update", "remove", ""),
    fc.oneof(segment, fc.constantFrom("web", "r4-new", "")),
  )
  .map(([fields, spec, action, pid]) => {
    const o: Record<string, unknown> = { action, project_id: pid, ...fields };
    if (spec) o.spec = { ...SAMPLE_SPEC, ...spec };
    // Keep the fixture project (a delete of it would be accepted): bodies name a look-alike instead.
    if (typeof o.project_id === "string" && o.project_id.trim() === "web") o.project_id = "web-r4";
    return JSON.stringify(o);
  });

const malformed = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[]",
    "null",
    "1",
    '"x"',
    "true",
    '{"a":}',
    '{"action":"create",}',
    "{'action':'create'}",
    '{"action":"create"',
    "\uFEFF{}",
    '{"action":"create","spec":NaN}',
    '{"__proto__":{"polluted":true},"action":"create","project_id":"r4-proto"}',
    '{"constructor":{"prototype":{"polluted":true}},"action":"update","project_id":"web-r4"}',
    '{"action":"create","action":"delete"}',
    `{"action":"create","project_id":"r4-deep","spec":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
    `{"project_id":"web","x":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
    `${"[".repeat(200_000)}`,
  ),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.tuple(envelope, fc.nat()).map(([s, n]) => s.slice(0, n % Math.max(1, s.length))),
);

/** Invalid UTF-8 and other raw bytes. */
const rawBytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

const bodyRequest = fc.record({
  target: fc.constantFrom(
    "POST /api/events/registration",
    "POST /api/events/registration",
    "POST /api/projects",
    "PUT /api/projects/web-r4",
    "PUT /api/projects/web",
    "POST /api/events/deployment",
    "POST /api/events/promotion",
    "POST /api/events/release",
    "POST /api/events/promotion/preview",
    "POST /api/events/rollback",
    "POST /api/events/rollback/preview",
    "POST /api/webhooks/source",
    "POST /api/session",
  ),
  body: fc.oneof(
    { weight: 4, arbitrary: envelope },
    { weight: 3, arbitrary: malformed },
    { weight: 1, arbitrary: rawBytes },
  ),
  contentType: fc.constantFrom(undefined, "application/json", "text/plain", "application/x-www-form-urlencoded", "*/*"),
  signature: fc.option(fc.oneof(fc.constantFrom("sha256=", `sha256=${"0".repeat(64)}`, "sha1=abc"), visibleAscii), {
    nil: undefined,
  }),
  delivery: fc.option(visibleAscii, { nil: undefined }),
});

// ---- checks -------------------------------------------------------------------------------------------------

const violations = new Map<string, string[]>();
let directory500 = 0;
let sent = 0;
const statusCounts: Record<string, number> = {};

function record(kind: string, example: string): void {
  const list = violations.get(kind) ?? [];
  if (list.length < 5) list.push(example);
  violations.set(kind, list);
}

function decodeOnce(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The SPEC's own 5xx: `…/artifacts/{path}` naming a directory inside the project → 500 failed to read artifact. */
async function isDirectoryArtifact(path: string, r: RawResponse): Promise<boolean> {
  const m = /^\/api\/projects\/web\/artifacts\/([^?]*)/.exec(path);
  if (!m || r.status !== 500 || JSON.parse(r.text).error?.message !== "failed to read artifact") return false;
  const rel = decodeOnce(m[1]);
  if (rel === null) return false;
  const projectDir = await realpath(join(dirs.artifactsRoot, "web"));
  try {
    const real = await realpath(join(projectDir, ...rel.split("/")));
    return real.startsWith(projectDir + sep) && (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}

async function check(label: string, method: string, path: string, r: RawResponse, note = ""): Promise<void> {
  sent++;
  statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
  const where = `${method} ${path.slice(0, 300)}${note}`;
  if (r.status >= 500) {
    if (await isDirectoryArtifact(path, r)) directory500++;
    else record(`${label}: ${r.status} ${r.text.slice(0, 200)}`, where);
  } else if (!ALLOWED_STATUS.has(r.status)) record(`${label}: status ${r.status}`, where);
  if (r.status >= 400 && method !== "HEAD") {
    const p = errorShapeProblem(r.status, r.headers, r.text);
    if (p) {
      const cause = where.includes("[Host: ")
        ? "with a bad Host header"
        : /\\/.test(path.split("?")[0])
          ? "with a raw \\ in the path"
          : "";
      record(`${label}: malformed error ${cause} (${p})`, `${where} → ${r.status} ${r.text.slice(0, 200)}`);
    }
  }
  if (r.status === 301) {
    const loc = String(r.headers.location ?? "");
    if (!loc.startsWith("/") || loc.startsWith("//") || loc.startsWith("/\\"))
      record(`${label}: 301 to a non-local Location`, `${where} → ${loc}`);
  }
  for (const c of Object.values(CANARY)) {
    if (r.body.includes(c)) record(`${label}: canary ${c.split("-")[1]} returned`, `${where} → ${r.status}`);
  }
  // The route is decided by the path alone: in `/api/projects/web?x=1/artifacts` the `/artifacts` is query text.
  const routePath = path.split(/[?#]/)[0];
  if (r.status === 200 && /\/artifacts\/?$/.test(routePath) && r.headers["content-type"] === "application/json") {
    const files = JSON.parse(r.text).files;
    if (!Array.isArray(files)) record(`${label}: artifact list without files[]`, where);
    for (const f of files ?? []) {
      if (
        typeof f !== "string" ||
        f.startsWith("/") ||
        f.includes("\\") ||
        f.includes("\0") ||
        f.split("/").some((s: string) => s === "" || s === "." || s === ".." || s === ".git") ||
        f.startsWith("links/") ||
        f.startsWith("linkdir/")
      )
        record(`${label}: listing escapes`, `${where} → ${JSON.stringify(f)}`);
    }
  }
}

let previous = "";
/** Send one request and check it; a transport failure is recorded against the request before it too. */
async function send(label: string, method: string, path: string, opts: Parameters<typeof rawRequest>[3]) {
  const desc = `${method} ${path.slice(0, 200)}`;
  try {
    const host = opts?.headers?.Host;
    await check(label, method, path, await rawRequest(sw.base, method, path, opts), host ? ` [Host: ${host}]` : "");
  } catch (err) {
    record(`${label}: transport error ${(err as Error).message}`, `${desc} (after ${previous})`);
  }
  previous = desc;
}

/** Every file and dir under `dir` (not following symlinks), relative. */
async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
  }
  return out;
}

describe("R4: generated bad inputs against every endpoint", () => {
  it("path parameters: traversal (plain, encoded, double-encoded), unicode, huge, every method", async () => {
    console.log(`R4: seed ${SEED} (rerun with CHAOS_SEED=${SEED}); ${PATH_RUNS} path runs, ${BODY_RUNS} body runs`);
    const t0 = Date.now();
    await fc.assert(
      fc.asyncProperty(pathRequest, async (req) => {
        let method = req.method;
        const id = fill(req.id);
        let path = req.template
          .replace("{id}", id)
          .replace("{path}", fill(req.path))
          .replace("{rid}", fill(req.rid))
          .replace("{op}", fill(req.op))
          .replace("{seg}", fill(req.seg));
        // Keep the fixture project: a DELETE of it would be accepted and remove what later runs read.
        if (method === "DELETE" && /^\/api\/projects\/web\/?$/.test(path)) method = "GET";
        path = wire(path + fill(req.query));
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, fill(v)]));
        await send("path", method, path, { headers });
        return true;
      }),
      { numRuns: PATH_RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`R4: path corpus done in ${Date.now() - t0} ms`);
  });

  it("bodies: malformed JSON, wrong types, huge and unicode values, on every endpoint that reads one", async () => {
    const t0 = Date.now();
    await fc.assert(
      fc.asyncProperty(bodyRequest, async (req) => {
        const [method, path] = req.target.split(" ");
        const headers: Record<string, string> = {};
        if (req.contentType) headers["Content-Type"] = req.contentType;
        if (req.signature !== undefined) headers["X-Paas-Signature-256"] = req.signature;
        if (req.delivery !== undefined) headers["X-Paas-Delivery"] = req.delivery;
        const body = typeof req.body === "string" ? fill(req.body) : req.body;
        await send("body", method, path, { headers, body });
        return true;
      }),
      { numRuns: BODY_RUNS, seed: SEED + 1, endOnFailure: true },
    );
    console.log(`R4: body corpus done in ${Date.now() - t0} ms`);
  });

  it("known-hostile inputs, always sent (the corpus finds them only by chance)", async () => {
    const fixed: [string, string, Record<string, string>][] = [
      ["GET", "/./\\evil.example", {}],
      ["GET", "/\\evil.example/./x", {}],
      ["GET", "//evil.example/./x", {}],
      ["GET", "/%5Cevil.example/./x", {}],
      ["GET", "/api/projects/web/artifacts/build\\image.txt", {}],
      ["GET", "/api/projects/web/artifacts/..\\..\\canary-root.txt", {}],
      ["GET", "/api/projects/web/artifacts/%2e%2e/%2e%2e/canary-root.txt", {}],
      ["GET", "/api/projects/web/artifacts/linkdir/canary-artifacts.txt", {}],
      ["GET", "/api/projects/web/artifacts/links/out.txt", {}],
      ["GET", "/api/projects/web/artifacts/..%2fvictim%2fsecret.txt", {}],
      ["GET", "/api/projects/web/artifacts", { Host: "a b" }],
      // A `?` or `#` inside a path parameter: the rest is query or fragment, the route is the project itself.
      ["GET", "/api/projects/web?x=1/artifacts", { Host: "evil.example:80" }],
      ["GET", "/api/projects/web#frag/artifacts", {}],
    ];
    for (const [method, path, headers] of fixed) await send("fixed", method, path, { headers });
  });

  it("oversize bodies: 413 with and without Content-Length; exactly 1 MiB is not refused for size", async () => {
    const targets = [
      "POST /api/events/registration",
      "POST /api/projects",
      "PUT /api/projects/web",
      "POST /api/events/deployment",
      "POST /api/events/promotion",
      "POST /api/events/release",
      "POST /api/events/promotion/preview",
      "POST /api/events/rollback",
      "POST /api/events/rollback/preview",
      "POST /api/webhooks/source",
      "POST /api/session",
    ];
    const over = Buffer.from(JSON.stringify({ action: "create", pad: "x".repeat(1_048_577) }));
    const huge = Buffer.alloc(4 * 1_048_576, 0x20);
    const exact = Buffer.concat([Buffer.from("{}"), Buffer.alloc(1_048_576 - 2, 0x20)]);
    for (const t of targets) {
      const [method, path] = t.split(" ");
      for (const [label, body, chunked] of [
        ["over", over, false],
        ["over-chunked", over, true],
        ["4MiB-chunked", huge, true],
      ] as const) {
        // On its own keep-alive connection: the 413 must arrive, and the connection must stay usable (or be
        // announced as closing) for the request after it.
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const r = await rawRequest(sw.base, method, path, { body, chunked, agent });
          await check(`oversize ${label}`, method, path, r);
          if (r.status !== 413) record(`oversize ${label}: status ${r.status}`, t);
          const closing = String(r.headers.connection ?? "").toLowerCase() === "close";
          const next = await rawRequest(sw.base, "GET", "/api/healthz", { agent }).catch((e: Error) => e);
          if (next instanceof Error && !closing)
            record(
              `oversize ${label}: 413 said "Connection: ${r.headers.connection}" but the next request on that connection failed (${next.message})`,
              t,
            );
        } catch (err) {
          record(`oversize ${label}: transport error ${(err as Error).message}`, t);
        } finally {
          agent.destroy();
        }
      }
      const r = await rawRequest(sw.base, method, path, { body: exact, agent: false }).catch((e: Error) => e);
      if (r instanceof Error) record(`exact-1MiB: transport error ${r.message}`, t);
      else {
        await check("exact-1MiB", method, path, r);
        if (r.status === 413) record("exact-1MiB: refused as too large", t);
      }
    }
  });

  it("holds: no violation, no canary touched, nothing written outside the data and artifacts dirs", async () => {
    console.log(
      `R4: ${sent} requests, statuses ${JSON.stringify(statusCounts)}, ${directory500} SPEC §8.2 directory 500s`,
    );
    const report = [...violations.entries()].map(([k, v]) => `${k}\n      e.g. ${v.join("\n           ")}`);
    expect(report, `violations (seed ${SEED}, rerun with CHAOS_SEED=${SEED})`).toEqual([]);
    expect(sw.proc.exitCode).toBe(null);
    expect((await call(sw.base, "GET", "/readyz")).status).toBe(200);
    expect(sw.logs()).not.toMatch(/"unhandled error"/);

    for (const c of canaryFiles) {
      expect(await readFile(c.path, "utf8")).toBe(c.content);
      expect((await stat(c.path)).mtimeMs).toBe(c.mtimeMs);
    }
    // The temp root holds only what the test and Slipway put there.
    expect((await readdir(dirs.root)).sort()).toEqual(["artifacts", "canary-root.txt", "data"]);
    const topArtifacts = await readdir(dirs.artifactsRoot);
    for (const name of topArtifacts) {
      expect(
        ["canary-artifacts.txt", "victim", "_audit"].includes(name) || /^[a-z0-9][a-z0-9-]{0,62}$/.test(name),
        `unexpected entry in the artifacts root: ${name}`,
      ).toBe(true);
    }
    expect(await readdir(join(dirs.artifactsRoot, "victim"))).toEqual(["secret.txt"]);
    // No traversal target was created anywhere near.
    const near = [
      ...(await walk(dirs.root)),
      ...(await readdir(tmpdir())),
      ...(await readdir(dirname(tmpdir())).catch(() => [])),
    ];
    expect(near.filter((p) => p.includes(PWNED))).toEqual([]);
  });
});
