// Shared helpers for the benchmarks in scripts/bench/ (issue 7): spawn a real Slipway from the built bundle and
// the baselines, talk HTTP/SSE to them on 127.0.0.1 only, measure, print one line per figure and write the JSON
// result. Every process started here runs in its own process group and every temp dir is registered, so both are
// removed on success, on failure and on Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { open, readFile } from "node:fs/promises";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS_DIR = join(REPO, "test-output", "bench");
const DIST_BUNDLE = join(REPO, "dist", "slipway.mjs");

// ---- cleanup ---------------------------------------------------------------------------------------------------

const groups = new Set(); // pids of process-group leaders we spawned (detached)
const dirs = new Set();
const asyncCleanups = [];

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

function syncCleanup() {
  for (const pid of groups) killGroup(pid, "SIGKILL");
  groups.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  dirs.clear();
}
process.on("exit", syncCleanup);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    process.stderr.write(`\n[bench] ${sig}: cleaning up\n`);
    syncCleanup();
    process.exit(130);
  });
}

/** Run a cleanup function at the end of the benchmark (see `cleanup()`), last registered first. */
export function onCleanup(fn) {
  asyncCleanups.push(fn);
}

/** Stop everything this process started and remove every temp dir. Safe to call more than once. */
export async function cleanup() {
  while (asyncCleanups.length) {
    const fn = asyncCleanups.pop();
    await Promise.resolve()
      .then(fn)
      .catch((err) => process.stderr.write(`[bench] cleanup: ${err.message}\n`));
  }
  syncCleanup();
}

/** A fresh temp dir under the OS temp dir, removed by cleanup(). Short base: unix socket paths must fit 107 bytes. */
export function tempDir(prefix) {
  const base = tmpdir().length > 40 ? "/tmp" : tmpdir();
  const d = mkdtempSync(join(base, `slipway-bench-${prefix}-`));
  dirs.add(d);
  return d;
}

// ---- printing --------------------------------------------------------------------------------------------------

const T0 = performance.now();

/** A progress line: `[P1 12.3s] message`. */
export function progress(id, msg) {
  const s = ((performance.now() - T0) / 1000).toFixed(1);
  process.stdout.write(`[${id} ${s}s] ${msg}\n`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function fmt(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  if (typeof v !== "number") return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(digits);
}

/**
 * One benchmark's result: figures, each printed as one line with its baseline, ratio and verdict, and the JSON
 * written to test-output/bench/<id>.json.
 */
export class Report {
  constructor(id, title) {
    this.id = id;
    this.title = title;
    this.figures = [];
    this.details = {};
    this.started = new Date().toISOString();
    this.loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
    this.t0 = performance.now();
  }

  /**
   * @param {object} f name, value, unit, baseline?, baselineLabel?, ratio?, target (text), pass (bool|null)
   */
  figure(f) {
    const ratio =
      f.ratio !== undefined ? f.ratio : f.baseline ? Math.round((f.value / f.baseline) * 1000) / 1000 : undefined;
    const fig = { ...f, ratio: ratio ?? null, verdict: verdictOf(f.pass) };
    this.figures.push(fig);
    const unit = f.unit ? ` ${f.unit}` : "";
    const base = f.baseline !== undefined ? `  baseline ${fmt(f.baseline)}${unit}` : "";
    const r = typeof ratio === "number" ? `  ratio ${ratio.toFixed(2)}×` : "";
    process.stdout.write(
      `${this.id} ${f.name}: ${fmt(f.value)}${unit}${base}${r}  target ${f.target}  ${fig.verdict}\n`,
    );
    return fig;
  }

  write() {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const out = {
      id: this.id,
      title: this.title,
      started: this.started,
      duration_s: Math.round((performance.now() - this.t0) / 100) / 10,
      machine: machine(),
      // Other work on the machine skews absolute numbers (the ratios less): the 1/5/15-min load averages.
      loadavg: { start: this.loadStart, end: loadavg().map((x) => Math.round(x * 100) / 100) },
      figures: this.figures,
      pass: this.figures.every((f) => f.verdict !== "FAIL"),
      details: this.details,
    };
    const file = join(RESULTS_DIR, `${this.id}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    progress(this.id, `wrote ${file.slice(REPO.length + 1)}`);
    return out;
  }
}

function verdictOf(pass) {
  return pass === null || pass === undefined ? "INFO" : pass ? "PASS" : "FAIL";
}

export function machine() {
  const mem = readFileSync("/proc/meminfo", "utf8");
  const kb = Number(/MemTotal:\s+(\d+)/.exec(mem)?.[1] ?? 0);
  const cpus = spawnSync("nproc", { encoding: "utf8" }).stdout.trim();
  const model = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
  const nats = spawnSync("nats-server", ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
  return {
    nproc: Number(cpus),
    mem_gib: Math.round((kb / 1024 / 1024) * 10) / 10,
    cpu: model,
    node: process.version,
    nats,
  };
}

// ---- statistics ------------------------------------------------------------------------------------------------

/** Nearest-rank percentile of an unsorted array. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

export function summary(values) {
  const n = values.length;
  if (n === 0) return { n: 0 };
  const sum = values.reduce((a, b) => a + b, 0);
  const r = (x) => Math.round(x * 100) / 100;
  return {
    n,
    min: r(Math.min(...values)),
    p50: r(percentile(values, 50)),
    p90: r(percentile(values, 90)),
    p99: r(percentile(values, 99)),
    max: r(Math.max(...values)),
    mean: r(sum / n),
  };
}

export function median(values) {
  return percentile(values, 50);
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// ---- /proc -----------------------------------------------------------------------------------------------------

/** Scrape Slipway's `/metrics` once; returns a reader of unlabelled samples by full name (NaN when absent). */
export async function scrapeMetrics(base, headers = {}) {
  const text = (await call(base, "GET", "/metrics", undefined, headers)).text;
  return (name) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}

/** Resident set size of a pid in MB (0 when gone). */
export function rssMb(pid) {
  return procStatusMb(pid, "VmRSS");
}

/** A kB field of `/proc/<pid>/status` (VmRSS, RssAnon, RssFile…) in MB, one decimal; 0 when unreadable. */
export function procStatusMb(pid, field) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    return Math.round((Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0) / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

/** Open file descriptors of a pid. */
export function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a pid has used so far. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Direct children of a pid. */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// ---- processes -------------------------------------------------------------------------------------------------

let bundleCopy;
/**
 * The bundle the benchmarks run: a private copy of dist/slipway.mjs (or $BENCH_BUNDLE), so a rebuild by someone
 * else in the middle of a run cannot change or truncate it.
 */
export function bundle() {
  if (process.env.BENCH_BUNDLE) return process.env.BENCH_BUNDLE;
  if (bundleCopy) return bundleCopy;
  if (!existsSync(DIST_BUNDLE)) throw new Error(`missing ${DIST_BUNDLE}: run "npm run build" (make bench does this)`);
  const d = tempDir("bundle");
  bundleCopy = join(d, "slipway.mjs");
  copyFileSync(DIST_BUNDLE, bundleCopy);
  if (existsSync(`${DIST_BUNDLE}.map`)) copyFileSync(`${DIST_BUNDLE}.map`, `${bundleCopy}.map`);
  return bundleCopy;
}

function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const t = setTimeout(() => {
      proc.off("exit", done);
      res(false);
    }, ms);
    const done = () => {
      clearTimeout(t);
      res(true);
    };
    proc.once("exit", done);
  });
}

/**
 * Spawn a command in its own process group with stdout+stderr going to `logFile`. `stop()` sends SIGTERM to the
 * leader, waits `graceMs`, then SIGKILLs the whole group.
 */
export async function spawnGroup(cmd, args, { env, logFile, cwd }) {
  const fh = await open(logFile, "a");
  const proc = spawn(cmd, args, { env, cwd, detached: true, stdio: ["ignore", fh.fd, fh.fd] });
  await fh.close();
  groups.add(proc.pid);
  const exited = new Promise((res) => proc.once("exit", (code, sig) => res(code ?? sig)));
  let stopping;
  const stop = (graceMs = 12_000) =>
    (stopping ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(proc.pid, "SIGTERM");
        } catch {
          /* gone */
        }
        await waitExit(proc, graceMs);
      }
      killGroup(proc.pid, "SIGKILL"); // whatever is left of the group (an orphaned nats-server, a dockerd shim)
      groups.delete(proc.pid);
      return exited;
    })());
  onCleanup(() => stop());
  return { proc, pid: proc.pid, exited, stop };
}

/** Wait until `file` matches `re` (checked on change and every 20 ms), or reject after `ms` / on `exited`. */
export async function waitForFile(file, re, ms, exited) {
  const deadline = Date.now() + ms;
  let gone = false;
  exited?.then(() => (gone = true));
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    const m = re.exec(text);
    if (m) return m;
    if (gone) throw new Error(`process exited before ${re} appeared:\n${text.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${file}:\n${text.slice(-3000)}`);
    await sleep(20);
  }
}

/**
 * A real Slipway from the bundle: embedded nats-server, temp data/artifact dirs, 127.0.0.1:0, artifact mode unless
 * `env` says otherwise. Resolves after the `Workers:` line (the engine consumes work).
 */
export async function startSlipway(id, env = {}, { waitWorkers = true } = {}) {
  const root = tempDir(`${id.toLowerCase()}-sw`);
  const dataDir = join(root, "data");
  const artifactsRoot = join(root, "artifacts");
  const logFile = join(root, "slipway.log");
  const t0 = performance.now();
  // BENCH_NODE_ARGS: extra node flags for Slipway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a benchmark;
  // BENCH_SLIPWAY_ENV: extra environment, e.g. "MALLOC_ARENA_MAX=2" (space-separated NAME=value pairs).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const extraEnv = Object.fromEntries(
    (process.env.BENCH_SLIPWAY_ENV ?? "")
      .split(/\s+/)
      .filter((kv) => kv.includes("="))
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
  const p = await spawnGroup(process.execPath, [...nodeArgs, bundle()], {
    logFile,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PAAS_HTTP_ADDR: "127.0.0.1:0",
      PAAS_DATA_DIR: dataDir,
      PAAS_ARTIFACTS_ROOT: artifactsRoot,
      PAAS_IMAGE_BUILDER_MODE: "artifact",
      PAAS_LOG_LEVEL: "info",
      ...extraEnv,
      ...env,
    },
  });
  const m = await waitForFile(logFile, /Portal: (http:\/\/[^\s"]+)/, 30_000, p.exited);
  if (waitWorkers) await waitForFile(logFile, /Workers: /, 30_000, p.exited);
  return {
    ...p,
    base: m[1],
    root,
    dataDir,
    artifactsRoot,
    logFile,
    startedMs: performance.now() - t0,
    logs: () => readFileSync(logFile, "utf8"),
  };
}

/**
 * Start a baseline server script from scripts/bench/baselines/ (it prints `LISTEN <port>` once listening).
 */
export async function startBaseline(id, script, args = [], env = {}) {
  const root = tempDir(`${id.toLowerCase()}-base`);
  const logFile = join(root, "baseline.log");
  const p = await spawnGroup(process.execPath, [join(REPO, "scripts/bench/baselines", script), ...args], {
    logFile,
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
  const m = await waitForFile(logFile, /LISTEN (\d+)/, 15_000, p.exited);
  return { ...p, base: `http://127.0.0.1:${m[1]}`, root, logFile };
}

// ---- HTTP ------------------------------------------------------------------------------------------------------

/** One HTTP request (JSON body in and out), 30 s timeout, 127.0.0.1 only. */
export async function call(base, method, path, body, headers = {}) {
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(base)) throw new Error(`refusing non-loopback ${base}`);
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/**
 * A minimal SSE client over node:http (one socket per stream, no agent pooling), used for Slipway and the
 * baselines alike. `onFrame(frame, receivedAtMs)` sees every frame; `until(frame)` returning true ends the
 * stream. Resolves with `{status, frames}` when the server ends the stream, `until` fired, or `close()` was called.
 */
export function sse(url, { headers = {}, onFrame, until, keepFrames = true, timeoutMs = 120_000, onOpen } = {}) {
  let req;
  let res;
  let finished = false;
  let finish;
  const frames = [];
  const done = new Promise((resolveDone, rejectDone) => {
    const timer = setTimeout(() => {
      if (!finished) fail(new Error(`SSE ${url} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    finish = (status) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      req?.destroy();
      resolveDone({ status, frames });
    };
    const fail = (err) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      req?.destroy();
      rejectDone(err);
    };
    req = http.get(url, { headers: { Accept: "text/event-stream", ...headers }, agent: false }, (r) => {
      res = r;
      onOpen?.(r.statusCode);
      if (r.statusCode !== 200) {
        r.resume();
        r.on("end", () => finish(r.statusCode));
        return;
      }
      r.setEncoding("utf8");
      let buf = "";
      r.on("data", (chunk) => {
        const at = Date.now();
        buf += chunk;
        for (let idx = buf.indexOf("\n\n"); idx >= 0; idx = buf.indexOf("\n\n")) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const f = {};
          for (const line of block.split("\n")) {
            const c = line.indexOf(":");
            if (c <= 0) continue;
            const k = line.slice(0, c);
            const v = line.slice(c + 1).replace(/^ /, "");
            if (k === "id") f.id = v;
            else if (k === "event") f.event = v;
            else if (k === "data") f.data = v;
            else if (k === "retry") f.retry = Number(v);
          }
          if (f.data !== undefined) {
            try {
              f.data = JSON.parse(f.data);
            } catch {
              /* keep the text */
            }
          }
          if (keepFrames) frames.push(f);
          onFrame?.(f, at);
          if (until?.(f)) {
            finish(r.statusCode);
            return;
          }
        }
      });
      r.on("end", () => finish(r.statusCode));
      r.on("error", (err) => (finished ? undefined : finish(r.statusCode ?? 0, err)));
    });
    req.on("error", (err) => fail(err));
  });
  return { done, close: () => finish(res?.statusCode ?? 0), frames };
}

/** Follow an op's SSE stream from the start until its terminal event; resolves with the frames. */
export async function waitForOp(base, opId, headers = {}, timeoutMs = 120_000) {
  const r = await sse(`${base}/api/ops/${opId}/events`, {
    headers: { "Last-Event-ID": "0", ...headers },
    until: (f) => f.event === "op.completed" || f.event === "op.failed",
    timeoutMs,
  }).done;
  const terminal = r.frames.find((f) => f.event === "op.completed" || f.event === "op.failed");
  return { frames: r.frames, status: terminal?.event === "op.completed" ? "done" : "error", terminal };
}

/** Run `n` async jobs with at most `concurrency` at a time; resolves with their results in order. */
export async function pool(n, concurrency, job) {
  const results = new Array(n);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async (_, w) => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      results[i] = await job(i, w);
    }
  });
  await Promise.all(workers);
  return results;
}

/** The project spec the benchmarks register (artifact mode builds the generated Dockerfile as a record). */
export function sampleSpec(name, runtime = "go_1.26") {
  return {
    apiVersion: "platform.example.com/v2",
    kind: "App",
    name,
    runtime,
    capabilities: ["http"],
    environments: {
      dev: { vars: { LOG_LEVEL: "debug", LOG_FORMAT: "json" } },
      staging: { vars: { LOG_LEVEL: "info" } },
      prod: { vars: { LOG_LEVEL: "warn" } },
    },
    networkPolicies: { ingress: "internal", egress: "none" },
  };
}

/** Create `count` projects through the API (8 at a time) and wait for every create op to finish. */
export async function createProjects(base, prefix, count, headers = {}, runtime) {
  return pool(count, 8, async (i) => {
    const id = `${prefix}-${String(i).padStart(4, "0")}`;
    const r = await call(
      base,
      "POST",
      "/api/events/registration",
      { action: "create", project_id: id, spec: sampleSpec(id, runtime) },
      headers,
    );
    if (r.status !== 202) throw new Error(`create ${id}: HTTP ${r.status} ${r.text}`);
    const op = await waitForOp(base, r.body.op.id, headers);
    if (op.status !== "done") throw new Error(`create ${id} failed: ${JSON.stringify(op.terminal?.data)}`);
    return id;
  });
}

/** Run a benchmark's `run(report)` with cleanup on every path; exits non-zero on failure when run directly. */
export async function main(id, title, run) {
  const report = new Report(id, title);
  progress(id, `${title}`);
  let ok = true;
  try {
    await run(report);
  } catch (err) {
    ok = false;
    report.details.error = err.stack ?? String(err);
    process.stderr.write(`${id} ERROR: ${err.stack ?? err}\n`);
  } finally {
    await cleanup();
  }
  const out = report.write();
  const code = !ok ? 2 : out.pass ? 0 : 1;
  process.exitCode = code;
  return out;
}

// ---- load generation -------------------------------------------------------------------------------------------

/**
 * Run autocannon (bounded by `duration` seconds or `amount` requests) against a loopback URL and summarise:
 * req/s, latency percentiles (ms), status counts and errors.
 */
export async function cannon(opts) {
  if (!/^http:\/\/127\.0\.0\.1:/.test(opts.url)) throw new Error(`refusing non-loopback ${opts.url}`);
  const { default: autocannon } = await import("autocannon");
  const r = await new Promise((res, rej) => {
    autocannon({ timeout: 10, ...opts }, (err, result) => (err ? rej(err) : res(result)));
  });
  const total = r["1xx"] + r["2xx"] + r["3xx"] + r["4xx"] + r["5xx"];
  return {
    rps: Math.round((total / r.duration) * 10) / 10,
    total,
    duration_s: r.duration,
    latency_ms: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: r.latency.mean,
    },
    status: { "2xx": r["2xx"], "3xx": r["3xx"], "4xx": r["4xx"], "5xx": r["5xx"] },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/**
 * Load two or more targets in alternating windows (A B A B …) so a change in background load on the machine hits
 * each of them alike: `rounds` windows of `seconds` per target after one warm-up window each. Returns per target:
 * req/s over all its windows, the median of the windows' latency percentiles, and summed status counts.
 */
export async function interleaved(id, targets, { rounds = 3, seconds = 4, warmup = 3, ...opts }) {
  for (const t of targets) {
    progress(id, `${t.name}: warm-up ${warmup}s`);
    await cannon({ ...opts, ...t.opts, duration: warmup });
  }
  const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const pids = t.pids ?? [];
      const cpu0 = pids.map(cpuSeconds);
      const res = await cannon({ ...opts, ...t.opts, duration: seconds });
      // Cores each of the target's processes kept busy during the window (1.0 = one core).
      res.cpu = pids.map((p, i) => Math.round(((cpuSeconds(p) - cpu0[i]) / res.duration_s) * 100) / 100);
      runs[t.name].push(res);
      const cpu = pids.length ? `, cpu ${res.cpu.join("/")} cores` : "";
      progress(id, `round ${r + 1}/${rounds} ${t.name}: ${res.rps} req/s, p99 ${res.latency_ms.p99} ms${cpu}`);
    }
  }
  const out = {};
  for (const [name, list] of Object.entries(runs)) {
    const total = list.reduce((a, x) => a + x.total, 0);
    const secs = list.reduce((a, x) => a + x.duration_s, 0);
    const med = (k) => median(list.map((x) => x.latency_ms[k]));
    out[name] = {
      rps: Math.round((total / secs) * 10) / 10,
      total,
      duration_s: Math.round(secs * 10) / 10,
      latency_ms: {
        p50: med("p50"),
        p90: med("p90"),
        p99: med("p99"),
        max: Math.max(...list.map((x) => x.latency_ms.max)),
      },
      non2xx: list.reduce((a, x) => a + x.non2xx, 0),
      errors: list.reduce((a, x) => a + x.errors, 0),
      windows_rps: list.map((x) => x.rps),
      windows_cpu_cores: list.map((x) => x.cpu),
    };
  }
  return out;
}
