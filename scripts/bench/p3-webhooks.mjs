// P3: signed source webhooks (SPEC §6.1), auth on, the signature as the credential. (a) duplicates of a processed
// commit — the hook's body and signature, a fresh X-Paas-Delivery per request, 50 connections (autocannon);
// (b) new commits — 20 projects, one client each, every commit a new sha (each starts a ci op; the client waits
// for it before the next). Baseline in the same run: a bare Hono POST handler doing the same HMAC check.
// Targets: ≥ 3,000 req/s for duplicates; p99 < 50 ms.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  scrapeMetrics,
  childPids,
  interleaved,
  createProjects,
  main,
  pool,
  progress,
  startBaseline,
  startSlipway,
  summary,
  waitForOp,
} from "./lib.mjs";

const ID = "P3";
const CONNECTIONS = 50;
const WARMUP_S = 3;
// Duplicates: Slipway and the baseline in alternating windows (3 × 4 s each), so background load hits both alike.
const ROUNDS = 3;
const WINDOW_S = Number(process.env.BENCH_P3_WINDOW_S ?? 4);
const PROJECTS = 20;
const COMMITS_PER_PROJECT = 5;

const sign = (secret, body) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const hookBody = (projectId, commit) =>
  JSON.stringify({ project_id: projectId, repo: "source", branch: "main", ref: "refs/heads/main", commit });

export async function run(report) {
  const token = randomBytes(24).toString("hex");
  const auth = { Authorization: `Bearer ${token}` };
  progress(ID, "starting Slipway (auth on)");
  const sw = await startSlipway(ID, { PAAS_AUTH_TOKEN: token });
  progress(ID, `creating ${PROJECTS} projects`);
  const ids = await createProjects(sw.base, "p3", PROJECTS, auth);
  const secrets = Object.fromEntries(
    ids.map((id) => [
      id,
      readFileSync(join(sw.artifactsRoot, id, "repos/source/.git/paas-webhook-secret"), "utf8").trim(),
    ]),
  );

  // (a) duplicates of a processed commit.
  const dupProject = ids[0];
  const body = hookBody(dupProject, randomBytes(20).toString("hex"));
  const headers = { "Content-Type": "application/json", "X-Paas-Signature-256": sign(secrets[dupProject], body) };
  const first = await call(sw.base, "POST", "/api/webhooks/source", body, {
    ...headers,
    "X-Paas-Delivery": randomUUID(),
  });
  if (first.status !== 202 || !first.body.accepted) throw new Error(`first delivery: ${first.status} ${first.text}`);
  const ciOp = first.body.op.id;
  if ((await waitForOp(sw.base, ciOp, auth)).status !== "done")
    throw new Error("the ci op of the first delivery failed");
  const again = await call(sw.base, "POST", "/api/webhooks/source", body, {
    ...headers,
    "X-Paas-Delivery": randomUUID(),
  });
  if (again.body?.reason !== "ignored: commit already processed")
    throw new Error(`duplicate: ${again.status} ${again.text}`);

  const base = await startBaseline(ID, "hono-hmac.mjs", [secrets[dupProject]]);
  const dupOpts = (url) => ({
    url,
    method: "POST",
    body,
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, "X-Paas-Delivery": randomUUID() } }) }],
  });
  const r = await interleaved(
    ID,
    [
      { name: "duplicates baseline", opts: dupOpts(`${base.base}/api/webhooks/source`), pids: [base.pid] },
      {
        name: "duplicates slipway",
        opts: dupOpts(`${sw.base}/api/webhooks/source`),
        pids: [sw.pid, ...childPids(sw.pid)],
      },
    ],
    { rounds: ROUNDS, seconds: WINDOW_S, warmup: WARMUP_S, connections: CONNECTIONS },
  );
  const b = r["duplicates baseline"];
  const s = r["duplicates slipway"];
  const last = await call(sw.base, "GET", `/api/projects/${dupProject}`, undefined, auth);
  const extraOps = last.body.status.last_op_id !== ciOp;

  // (b) new commits.
  progress(ID, `new commits: ${PROJECTS} clients × ${COMMITS_PER_PROJECT} commits`);
  await pool(PROJECTS, PROJECTS, async (i) => {
    const warm = hookBody(ids[i], randomBytes(20).toString("hex"));
    const r = await call(sw.base, "POST", "/api/webhooks/source", warm, {
      "X-Paas-Signature-256": sign(secrets[ids[i]], warm),
    });
    if (r.body?.op) await waitForOp(sw.base, r.body.op.id, auth);
  });
  const latencies = [];
  const opMs = [];
  let refused = 0;
  // prom-client resets the delay histogram at each scrape: one idle second first (its values include the 10 ms
  // sampling interval: the baseline), then the histogram restarts for the new commits.
  await eventLoopLag(sw.base, auth);
  await new Promise((r) => setTimeout(r, 1000));
  const idleLag = await eventLoopLag(sw.base, auth);
  const t0 = performance.now();
  await pool(PROJECTS, PROJECTS, async (i) => {
    const id = ids[i];
    for (let k = 0; k < COMMITS_PER_PROJECT; k++) {
      const b2 = hookBody(id, randomBytes(20).toString("hex"));
      const t = performance.now();
      const r = await call(sw.base, "POST", "/api/webhooks/source", b2, {
        "X-Paas-Signature-256": sign(secrets[id], b2),
        "X-Paas-Delivery": randomUUID(),
      });
      latencies.push(performance.now() - t);
      if (r.status !== 202 || !r.body.accepted) {
        refused++;
        continue;
      }
      const op = await waitForOp(sw.base, r.body.op.id, auth);
      opMs.push(performance.now() - t);
      if (op.status !== "done") refused++;
    }
  });
  const newWall = (performance.now() - t0) / 1000;
  const lag = await eventLoopLag(sw.base, auth);
  const lat = summary(latencies);
  progress(
    ID,
    `new commits: webhook p50 ${lat.p50} ms, p99 ${lat.p99} ms; ci op end-to-end p50 ${summary(opMs).p50} ms`,
  );

  report.details = {
    connections: CONNECTIONS,
    rounds: ROUNDS,
    window_s: WINDOW_S,
    duplicates: { slipway: s, baseline: b, extra_ops_started: extraOps },
    new_commits: {
      projects: PROJECTS,
      commits: PROJECTS * COMMITS_PER_PROJECT,
      refused_or_failed: refused,
      webhook_latency_ms: lat,
      ci_op_end_to_end_ms: summary(opMs),
      accepted_per_s: Math.round(((PROJECTS * COMMITS_PER_PROJECT) / newWall) * 10) / 10,
      event_loop_delay_ms: lag,
      event_loop_delay_idle_ms: idleLag,
    },
  };
  const dupClean = s.non2xx === 0 && s.errors === 0 && !extraOps;
  report.figure({
    name: "duplicate webhooks throughput",
    value: s.rps,
    unit: "req/s",
    baseline: b.rps,
    target: "≥ 3,000 req/s, all 202 ignored, no new op",
    pass: dupClean && s.rps >= 3000,
  });
  report.figure({
    name: "duplicate webhooks latency p99",
    value: s.latency_ms.p99,
    unit: "ms",
    baseline: b.latency_ms.p99,
    target: "< 50 ms",
    pass: s.latency_ms.p99 < 50,
  });
  report.figure({
    name: "new-commit webhooks latency p99 (20 clients)",
    value: lat.p99,
    unit: "ms",
    baseline: b.latency_ms.p99,
    target: "< 50 ms, all accepted",
    pass: refused === 0 && lat.p99 < 50,
  });
  // The webhook shares Slipway's one event loop with the ci steps it starts: how long a ready callback waited.
  report.figure({
    name: `event-loop delay p99 during the new commits (p50 ${lag.p50}, max ${lag.max} ms; idle p50 ${idleLag.p50})`,
    value: lag.p99,
    unit: "ms",
    baseline: idleLag.p99,
    target: "(info: every NATS reply, socket read and timer of the webhook waits this long per hop)",
    pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main(ID, "signed webhooks: duplicates and new commits", run);

/** Slipway's event-loop delay since the previous scrape of /metrics (prom-client's monitorEventLoopDelay), in ms. */
async function eventLoopLag(base, headers) {
  const v = await scrapeMetrics(base, headers);
  const get = (q) => {
    const seconds = v(`slipway_nodejs_eventloop_lag_${q}_seconds`);
    return Number.isNaN(seconds) ? null : Math.round(seconds * 10000) / 10;
  };
  return { p50: get("p50"), p99: get("p99"), max: get("max") };
}
