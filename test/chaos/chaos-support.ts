/**
 * Helpers shared by the chaos suites (issue 7, R1–R6): process faults, SSE followers that reconnect with
 * Last-Event-ID, and the checks that an op ran exactly once (step records, event sequence, git commits).
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { request, Agent } from "node:http";
import { join } from "node:path";
import { expect } from "vitest";
import { call, type SseFrame } from "../support/api.js";
import { GIT_ENV } from "../support/git.js";

export const CREATE_WORKERS = ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"];

/** The canonical artifact-mode create/update stream (SPEC §5.3), `step.progress` retry notices aside. */
export const CREATE_EVENTS = [
  "op.bootstrap",
  "op.status",
  "op.status",
  ...CREATE_WORKERS.flatMap(() => ["step.started", "step.ended", "step.artifacts"]),
  "op.status",
  "op.completed",
];

export const TERMINAL = new Set(["op.completed", "op.failed"]);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The embedded nats-server's pid (SPEC §3.8: `<dataDir>/nats/slipway-nats.pid`). */
export async function natsPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, "nats", "slipway-nats.pid"), "utf8")).trim());
}

/** A small seeded PRNG (mulberry32) so a failing random schedule can be replayed from its logged seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseFrame(block: string): SseFrame {
  const f: SseFrame = {};
  for (const line of block.split("\n")) {
    const c = line.indexOf(":");
    const k = line.slice(0, c);
    const v = line.slice(c + 1).trimStart();
    if (k === "id") f.id = v;
    else if (k === "event") f.event = v;
    else if (k === "data") f.data = JSON.parse(v);
    else if (k === "retry") f.retry = Number(v);
  }
  return f;
}

export interface FollowOptions {
  headers?: Record<string, string>;
  /** Resume point of the first connection; undefined = no Last-Event-ID (snapshot first). Default "0". */
  startAt?: string | undefined;
  /** Send the resume point as `?last_event_id=` instead of the header. */
  viaQuery?: boolean;
  /** Give up after this many ms (the result says so; the caller asserts). */
  deadlineMs?: number;
  /** Called before each connection: drop it after this many recorded frames (undefined = never). */
  dropAfterFrames?: () => number | undefined;
  /** Called before each connection: drop it after this many ms (undefined = never). */
  dropAfterMs?: () => number | undefined;
  /** Called before each reconnection with the last id seen: the resume point to send (default: that id). */
  resumeFrom?: (lastSeen: string | undefined) => string | undefined;
  /**
   * When a connection delivers no recorded frame for this many ms, open a second connection from the last id
   * beside it (it shares the server's feed of the op) and note in `hiccups` what that one got — a diagnosis of
   * a stalled stream, not a reconnect (the stalled connection stays open).
   */
  probeAfterStallMs?: number;
}

/** The recorded frames one connection delivered, and the resume point it was opened with. */
export interface Segment {
  from: string | undefined;
  frames: SseFrame[];
}

export interface FollowResult {
  /** Recorded frames (with `id:`) in the order received, over every connection. */
  frames: SseFrame[];
  /** Sequence of the snapshot the recorded frames follow (when the client started without a resume point). */
  snapshotSeq?: number;
  connects: number;
  segments: Segment[];
  /** Statuses of connections that were not 200 (e.g. 5xx during an outage) and transport errors. */
  hiccups: string[];
  terminal: boolean;
  /** Heartbeat frames received (over every connection). */
  heartbeats: number;
  /** A reconnect at the terminal id answered 204 (checked once the terminal event was seen). */
  gone204?: boolean;
}

/**
 * Follow an op's SSE stream to its terminal event, reconnecting with the last seen id whenever the
 * connection ends, fails or is dropped on purpose. `base()` is read at every connection (it changes when
 * Slipway restarts on a new port).
 */
export async function followOp(base: () => string, opId: string, o: FollowOptions = {}): Promise<FollowResult> {
  const deadline = Date.now() + (o.deadlineMs ?? 240_000);
  const res: FollowResult = { frames: [], connects: 0, segments: [], hiccups: [], terminal: false, heartbeats: 0 };
  let lastId: string | undefined = "startAt" in o ? o.startAt : "0";
  while (!res.terminal && Date.now() < deadline) {
    if (res.connects > 0 && o.resumeFrom) lastId = o.resumeFrom(lastId);
    const segment: Segment = { from: lastId, frames: [] };
    res.segments.push(segment);
    const dropFrames = o.dropAfterFrames?.();
    const dropMs = o.dropAfterMs?.();
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), Math.max(1, Math.min(deadline - Date.now(), dropMs ?? Infinity)));
    const headers: Record<string, string> = { ...o.headers };
    let url = `${base()}/api/ops/${opId}/events`;
    if (lastId !== undefined) {
      if (o.viaQuery) url += `?last_event_id=${lastId}`;
      else headers["Last-Event-ID"] = lastId;
    }
    res.connects++;
    let gotThisConn = 0;
    let stallProbe: NodeJS.Timeout | undefined;
    try {
      const r = await fetch(url, { headers, signal: ctrl.signal });
      if (r.status === 204) {
        res.hiccups.push(`204 at ${lastId}`);
        await r.body?.cancel();
        break;
      }
      if (r.status !== 200 || !r.body) {
        res.hiccups.push(`status ${r.status}`);
        await r.body?.cancel();
        await sleep(200);
        continue;
      }
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      let stop = false;
      let lastRecordedAt = Date.now();
      stallProbe =
        o.probeAfterStallMs === undefined
          ? undefined
          : setInterval(() => {
              if (Date.now() - lastRecordedAt < o.probeAfterStallMs!) return;
              lastRecordedAt = Date.now();
              void probeStall(base(), opId, lastId, o.headers, res).catch(() => {});
            }, 1000);
      while (!stop) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        for (let idx = buf.indexOf("\n\n"); idx >= 0; idx = buf.indexOf("\n\n")) {
          const f = parseFrame(buf.slice(0, idx));
          buf = buf.slice(idx + 2);
          if (f.event === "op.heartbeat") res.heartbeats++;
          if (f.id === undefined) {
            // Until a recorded frame arrives, each connection without a resume point starts at a new snapshot.
            if (f.event === "op.bootstrap" && lastId === undefined) res.snapshotSeq = f.data.sequence;
            continue; // retry: frame, snapshot, heartbeat
          }
          res.frames.push(f);
          segment.frames.push(f);
          lastId = f.id;
          lastRecordedAt = Date.now();
          gotThisConn++;
          if (TERMINAL.has(f.event ?? "")) {
            res.terminal = true;
            stop = true;
            break;
          }
          if (dropFrames !== undefined && gotThisConn >= dropFrames) {
            stop = true;
            break;
          }
        }
      }
      ctrl.abort();
    } catch (err) {
      if (!ctrl.signal.aborted) {
        res.hiccups.push(`error ${(err as Error).message}`);
        await sleep(200);
      }
    } finally {
      clearTimeout(timer);
      if (stallProbe) clearInterval(stallProbe);
    }
  }
  if (res.terminal && lastId !== undefined) {
    // Asked like any other connection: when the terminal event came just before a kill, the first try meets the
    // outage (no answer, or a 5xx while the broker restarts) and is made again against the restarted process.
    for (;;) {
      const r = await fetch(`${base()}/api/ops/${opId}/events`, {
        headers: { ...o.headers, "Last-Event-ID": lastId },
        signal: AbortSignal.timeout(10_000),
      }).catch(() => null);
      await r?.body?.cancel().catch(() => undefined);
      if (r && r.status < 500) {
        res.gone204 = r.status === 204;
        break;
      }
      res.hiccups.push(r ? `status ${r.status} at the terminal id` : "no answer at the terminal id");
      if (Date.now() >= deadline) break;
      await sleep(200);
    }
  }
  return res;
}

/** A second connection from a stalled stream's last id, for 10 s: what it delivered goes into `hiccups`. */
async function probeStall(
  baseUrl: string,
  opId: string,
  lastId: string | undefined,
  headers: Record<string, string> | undefined,
  into: FollowResult,
): Promise<void> {
  const p = await followOp(() => baseUrl, opId, { headers, startAt: lastId, deadlineMs: 10_000 });
  into.hiccups.push(
    `stalled at id ${lastId} after ${into.heartbeats} heartbeats; a second connection from there got ids ` +
      `[${p.frames.map((f) => `${f.id} ${f.event}`).join(", ")}], terminal ${p.terminal}, hiccups ${p.hiccups.join("; ")}`,
  );
}

/** Every stored event of an op (a fresh connection with Last-Event-ID: 0, read to its end). */
export async function storedEvents(baseUrl: string, opId: string, headers: Record<string, string> = {}) {
  const r = await followOp(() => baseUrl, opId, { headers, startAt: "0", deadlineMs: 30_000 });
  return r.frames;
}

/** Numeric ids of recorded frames are exactly from, from+1, …: no gap, no duplicate. */
export function expectContiguous(frames: SseFrame[], from = 1, label = ""): void {
  const ids = frames.map((f) => Number(f.id));
  expect(ids, `${label} ids`).toEqual(Array.from({ length: ids.length }, (_, i) => from + i));
}

/** Problems with an op of kind create/update that should have run exactly once ([] when none). */
export function ranOnceProblems(op: any, events: SseFrame[]): string[] {
  const out: string[] = [];
  const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (op.status !== "done") out.push(`status ${op.status}${op.error ? ` (${op.error})` : ""}`);
  const workers = op.steps.map((s: any) => s.worker);
  if (!eq(workers, CREATE_WORKERS)) out.push(`steps ${workers.join(",")}`);
  for (const s of op.steps) if (s.error) out.push(`${s.worker} error ${s.error}`);
  const ids = events.map((f) => Number(f.id));
  if (
    !eq(
      ids,
      ids.map((_, i) => i + 1),
    )
  )
    out.push(`event ids ${ids.join(",")}`);
  const started = events.filter((f) => f.event === "step.started").map((f) => f.data.worker);
  if (!eq(started, CREATE_WORKERS)) out.push(`step.started for ${started.join(",")}`);
  const names = events.filter((f) => f.event !== "step.progress").map((f) => f.event);
  if (!eq(names, CREATE_EVENTS)) out.push(`events ${names.join(",")}`);
  return out;
}

/** The retry notices (`step.progress` "retrying after transient failure …") of an op's stream. */
export function retryNotices(events: SseFrame[]): string[] {
  return events
    .filter((f) => f.event === "step.progress" && /^retrying after transient failure/.test(f.data.message ?? ""))
    .map((f) => `${f.data.worker}: ${f.data.message}`);
}

/** Subjects of a repo's commits, newest first. */
export function commitSubjects(repo: string): string[] {
  return execFileSync("git", ["-C", repo, "log", "--format=%s"], { encoding: "utf8", env: GIT_ENV })
    .trim()
    .split("\n")
    .filter(Boolean);
}

/** Problems with the platform commits of one create (SPEC §8.1 "Repo rules"), [] when exactly as expected. */
export function createCommitProblems(artifactsRoot: string, projectId: string, opId: string): string[] {
  const s12 = opId.slice(0, 12);
  const repos = join(artifactsRoot, projectId, "repos");
  const out: string[] = [];
  const want = {
    manifests: [`platform-sync: deploy dev manifests (${s12})`, `platform-sync: bootstrap manifests repo (${s12})`],
    source: [`platform-sync: configure source webhook (${s12})`, `platform-sync: bootstrap source repo (${s12})`],
  };
  for (const [repo, subjects] of Object.entries(want)) {
    let got: string[];
    try {
      got = commitSubjects(join(repos, repo));
    } catch (err) {
      got = [`(git log failed: ${(err as Error).message.split("\n")[0]})`];
    }
    if (JSON.stringify(got) !== JSON.stringify(subjects)) out.push(`${repo} commits ${JSON.stringify(got)}`);
  }
  return out;
}

/** SPEC §0.3 codes → status, and the fixed message texts (codes with variable texts map to null). */
export const ERROR_CODES: Record<string, { status: number; message: string | RegExp | null }> = {
  INVALID_JSON: { status: 400, message: "invalid json" },
  VALIDATION_FAILED: { status: 400, message: null },
  INVALID_ACTION: { status: 400, message: "action must be create, update, or delete" },
  PROJECT_ID_REQUIRED: { status: 400, message: "project_id required" },
  INVALID_PROJECT_ID: { status: 400, message: "project_id must match ^[a-z0-9][a-z0-9-]{0,62}$" },
  BAD_OP_ID: { status: 400, message: "bad op id" },
  BAD_LIMIT: { status: 400, message: "bad limit" },
  BAD_CURSOR: { status: 400, message: "bad cursor" },
  BAD_FORMAT: { status: 400, message: "format must be jsonl or csv" },
  DEPLOY_DEV_ONLY: {
    status: 400,
    message: "deployment endpoint supports dev only; use promotion/release for higher environments",
  },
  ENVIRONMENTS_REQUIRED: { status: 400, message: "from_env and to_env are required" },
  INVALID_ENVIRONMENT_NAME: { status: 400, message: "from_env and to_env must be valid environment names" },
  ENVIRONMENT_NOT_DEFINED: {
    status: 400,
    message: /^(from_env|to_env|environment) "[\s\S]*" is not defined for project$/,
  },
  ENVIRONMENTS_MUST_DIFFER: { status: 400, message: "from_env and to_env must differ" },
  RELEASE_REQUIRES_PRODUCTION: {
    status: 400,
    message: /^release endpoint requires production target environment \(got "[\s\S]*"\)$/,
  },
  ENVIRONMENT_REQUIRED: { status: 400, message: "environment query parameter required" },
  COMPARE_IDS_REQUIRED: { status: 400, message: "from and to query parameters are required" },
  ROLLBACK_NOT_READY: { status: 400, message: "rollback preflight failed" },
  UNAUTHORIZED: { status: 401, message: "missing or invalid credentials" },
  INVALID_SIGNATURE: { status: 401, message: "invalid webhook signature" },
  NOT_FOUND: { status: 404, message: /^(not found|project not found)$/ },
  ROUTE_NOT_FOUND: { status: 404, message: "404 page not found" },
  METHOD_NOT_ALLOWED: { status: 405, message: "method not allowed" },
  CONFLICT_ACTIVE_OPERATION: { status: 409, message: null },
  PROJECT_EXISTS: { status: 409, message: /^project "[\s\S]*" already exists$/ },
  PAYLOAD_TOO_LARGE: { status: 413, message: "request body exceeds 1048576 bytes" },
  RANGE_NOT_SATISFIABLE: { status: 416, message: "range not satisfiable" },
  ENQUEUE_FAILED: { status: 500, message: /^publish op: / },
  INTERNAL_ERROR: { status: 500, message: null },
  NOT_READY: { status: 503, message: /^not ready: / },
};

const EXTRA_FIELDS: Record<string, string[]> = {
  CONFLICT_ACTIVE_OPERATION: ["accepted", "reason", "project_id", "requested_kind", "active_op", "next_step"],
  ENQUEUE_FAILED: ["accepted", "reason", "requested_kind", "next_step", "project_id", "op_id", "project_rolled_back"],
};

/**
 * Why an error response breaks SPEC §0.3 (headers, body shape, code ↔ status, message), or null when it
 * is well-formed. `headers` are lower-case names.
 */
export function errorShapeProblem(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): string | null {
  if (headers["content-type"] !== "application/json") return `content-type ${headers["content-type"]}`;
  if (headers["x-content-type-options"] !== "nosniff") return "no nosniff";
  const rid = headers["x-request-id"];
  if (typeof rid !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(rid)) return `x-request-id ${rid}`;
  if (!text.endsWith("\n")) return "body does not end with \\n";
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return "body is not JSON";
  }
  if (`${JSON.stringify(body)}\n` !== text) return "body is not compact JSON";
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "body is not an object";
  if (body.request_id !== rid) return "request_id differs from X-Request-Id";
  const e = body.error;
  if (!e || typeof e !== "object") return "no error object";
  const code = e.code;
  const spec = ERROR_CODES[code];
  if (!spec) return `unknown code ${code}`;
  if (spec.status !== status) return `code ${code} with status ${status}`;
  if (typeof e.message !== "string" || e.message === "") return "no message";
  if (typeof spec.message === "string" && e.message !== spec.message) return `message ${JSON.stringify(e.message)}`;
  if (spec.message instanceof RegExp && !spec.message.test(e.message)) return `message ${JSON.stringify(e.message)}`;
  for (const k of Object.keys(e)) if (!["code", "message", "details"].includes(k)) return `error.${k}`;
  if ("details" in e && (e.details === null || typeof e.details !== "object")) return "details not an object";
  const allowed = new Set(["error", "request_id", ...(EXTRA_FIELDS[code] ?? [])]);
  if (code === "ROLLBACK_NOT_READY") return null; // the full preview sits beside error (SPEC §4.8)
  for (const k of Object.keys(body)) if (!allowed.has(k)) return `extra top-level field ${k}`;
  return null;
}

/** The SPEC §4.0.1 conflict body, exactly. */
export function expectConflictBody(body: any, projectId: string, requestedKind: string): void {
  expect(Object.keys(body).sort()).toEqual(
    ["accepted", "active_op", "error", "next_step", "project_id", "reason", "request_id", "requested_kind"].sort(),
  );
  expect(body.accepted).toBe(false);
  expect(body.project_id).toBe(projectId);
  expect(body.requested_kind).toBe(requestedKind);
  expect(Object.keys(body.active_op).sort()).toEqual(["id", "kind", "status"]);
  expect(body.active_op.id).toMatch(/^[0-9a-f]{32}$/);
  expect(["queued", "running"]).toContain(body.active_op.status);
  expect(body.reason).toBe(
    `project already has an active operation (${body.active_op.kind} ${body.active_op.id}, status ${body.active_op.status}); wait for it to finish and retry`,
  );
  expect(body.next_step).toBe("wait for the active operation to reach done or error, then retry");
  expect(body.error).toEqual({ code: "CONFLICT_ACTIVE_OPERATION", message: body.reason });
  expect(typeof body.request_id).toBe("string");
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 16 });

/** An HTTP request that sends the path byte-for-byte (fetch would normalise `..` and `%2e`). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: {
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunked?: boolean;
    timeoutMs?: number;
    /** false: a fresh connection; default: a shared keep-alive pool. */
    agent?: Agent | false;
  } = {},
): Promise<RawResponse> {
  const u = new URL(baseUrl);
  const headers: Record<string, string | number> = { ...opts.headers };
  const body = typeof opts.body === "string" ? Buffer.from(opts.body, "utf8") : opts.body;
  if (body && !opts.chunked) headers["Content-Length"] = body.length;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers,
        agent: opts.agent ?? keepAlive,
        timeout: opts.timeoutMs ?? 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    if (body) {
      if (opts.chunked) {
        // Several chunks, so the server cannot rely on Content-Length.
        for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      } else req.write(body);
    }
    req.end();
  });
}

/** GET a project's op history (every page). */
export async function opHistory(baseUrl: string, projectId: string, headers: Record<string, string> = {}) {
  const items: any[] = [];
  let cursor = "";
  for (;;) {
    const r = await call(
      baseUrl,
      "GET",
      `/api/projects/${projectId}/ops?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      undefined,
      headers,
    );
    expect(r.status).toBe(200);
    items.push(...r.body.items);
    if (!r.body.next_cursor) return items;
    cursor = r.body.next_cursor;
  }
}
