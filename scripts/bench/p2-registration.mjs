// P2: registration create → `op.completed`, 8 concurrent clients, 200 creates. Each client POSTs a create, follows
// the op's SSE stream to `op.completed`, and goes on with the next. Baseline in the same run: the sum of each op's
// step durations (`duration_ms` of its `step.ended` events, i.e. the work the four steps did).
// Targets: p50 ≤ 120 ms, p99 ≤ 400 ms, ≥ 25 creates/s, end-to-end ÷ step work ≤ 1.25.
import { availableParallelism } from "node:os";
import {
  call,
  childPids,
  cpuSeconds,
  main,
  median,
  pool,
  progress,
  sampleSpec,
  sse,
  startSlipway,
  summary,
} from "./lib.mjs";

const ID = "P2";
const CLIENTS = 8;
const CREATES = Number(process.env.BENCH_P2_CREATES ?? 200);
const WARMUP = 8;

async function createOnce(base, id) {
  const t0 = performance.now();
  const r = await call(base, "POST", "/api/events/registration", {
    action: "create",
    project_id: id,
    spec: sampleSpec(id),
  });
  const acceptedMs = performance.now() - t0;
  if (r.status !== 202) throw new Error(`create ${id}: HTTP ${r.status} ${r.text}`);
  let stepWork = 0;
  const steps = {};
  // From the first stored event (Last-Event-ID 0): without it the stream starts with a snapshot of the op as it is
  // when the client connects, and the steps that already ended by then would be missing from the step work.
  const { frames } = await sse(`${base}/api/ops/${r.body.op.id}/events`, {
    headers: { "Last-Event-ID": "0" },
    until: (f) => f.event === "op.completed" || f.event === "op.failed",
    onFrame: (f) => {
      if (f.event !== "step.ended") return;
      stepWork += f.data.duration_ms ?? 0;
      steps[f.data.worker] = f.data.duration_ms ?? 0;
    },
  }).done;
  const e2e = performance.now() - t0;
  const last = frames[frames.length - 1];
  if (last?.event !== "op.completed") throw new Error(`create ${id} did not complete: ${JSON.stringify(last)}`);
  const ended = frames.filter((f) => f.event === "step.ended").length;
  if (ended !== last.data.total_steps)
    throw new Error(`create ${id}: ${ended} step.ended events for ${last.data.total_steps} steps`);
  return { e2e, stepWork, acceptedMs, steps };
}

export async function run(report) {
  progress(ID, "starting Slipway");
  const sw = await startSlipway(ID);
  progress(ID, `warm-up: ${WARMUP} creates`);
  await pool(WARMUP, CLIENTS, (i) => createOnce(sw.base, `p2-warm-${i}`));
  progress(ID, `${CREATES} creates from ${CLIENTS} concurrent clients`);
  const t0 = performance.now();
  const pids = [sw.pid, ...childPids(sw.pid)];
  const cpu0 = pids.map(cpuSeconds);
  let done = 0;
  const tick = setInterval(() => progress(ID, `${done}/${CREATES} creates completed`), 5000);
  let results;
  try {
    results = await pool(CREATES, CLIENTS, async (i) => {
      const r = await createOnce(sw.base, `p2-${String(i).padStart(4, "0")}`);
      done++;
      return r;
    });
  } finally {
    clearInterval(tick);
  }
  const wallS = (performance.now() - t0) / 1000;
  // CPU per create (Slipway, its nats-server): robust to other load on the machine, unlike wall-clock figures.
  const cpuMs = pids.map((p, i) => Math.round(((cpuSeconds(p) - cpu0[i]) * 1000) / CREATES));
  const e2e = results.map((r) => r.e2e);
  const work = results.map((r) => r.stepWork);
  const ratios = results.map((r) => r.e2e / r.stepWork);
  const e2eS = summary(e2e);
  const workS = summary(work);
  const rate = CREATES / wallS;
  const ratio = median(ratios);
  report.details = {
    clients: CLIENTS,
    creates: CREATES,
    wall_s: Math.round(wallS * 100) / 100,
    end_to_end_ms: e2eS,
    step_work_ms: workS,
    accepted_ms: summary(results.map((r) => r.acceptedMs)),
    ratio_e2e_over_work: summary(ratios),
    step_ms_by_worker: Object.fromEntries(
      Object.keys(results[0].steps).map((w) => [w, summary(results.map((r) => r.steps[w] ?? 0))]),
    ),
    cpu_ms_per_create: { slipway: cpuMs[0], nats_server: cpuMs[1] },
    rss_mb_after: (await import("./lib.mjs")).rssMb(sw.pid),
  };
  report.figure({
    name: "create→op.completed p50",
    value: e2eS.p50,
    unit: "ms",
    baseline: workS.p50,
    target: "≤ 120 ms",
    pass: e2eS.p50 <= 120,
  });
  report.figure({
    name: "create→op.completed p99",
    value: e2eS.p99,
    unit: "ms",
    baseline: workS.p99,
    target: "≤ 400 ms",
    pass: e2eS.p99 <= 400,
  });
  report.figure({
    name: "creates/s (8 clients)",
    value: Math.round(rate * 10) / 10,
    unit: "creates/s",
    target: "≥ 25/s",
    pass: rate >= 25,
  });
  report.figure({
    name: "Slipway CPU per create",
    value: cpuMs[0],
    unit: "ms",
    target: "(info: 25 creates/s on 2 cores needs < 80 ms)",
    pass: null,
  });
  // Closed loop: each client waits for its op before the next create, so (Little's law) p50 ≈ clients ÷ rate. The
  // p50 target therefore needs clients ÷ 0.120 s creates/s, and that rate costs its CPU per create in cores.
  const neededRate = CLIENTS / 0.12;
  const cores = availableParallelism();
  const neededCores = (neededRate * (cpuMs[0] + cpuMs[1])) / 1000;
  report.figure({
    name: `cores the p50 target needs (${CLIENTS} clients ÷ 120 ms = ${Math.round(neededRate)} creates/s × (Slipway ${cpuMs[0]} + nats-server ${cpuMs[1]}) ms CPU)`,
    value: Math.round(neededCores * 100) / 100,
    unit: "cores",
    target: `(info: ${cores} cores here, the load generator included)`,
    pass: null,
  });
  report.figure({
    name: "end-to-end ÷ step work (median per op)",
    value: Math.round(ratio * 100) / 100,
    unit: "×",
    ratio: Math.round(ratio * 1000) / 1000,
    target: "≤ 1.25",
    pass: ratio <= 1.25,
  });
}

if (import.meta.url === `file://${process.argv[1]}`)
  await main(ID, "registration create → op.completed, 8 clients, 200 creates", run);
