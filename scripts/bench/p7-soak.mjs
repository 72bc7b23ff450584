// P7: RSS while 10,000 ops run back to back (bounded in time too, see SECONDS). 16 projects, one client each, every client submits a dev deploy
// (`POST /api/events/deployment`, the one-step op) and follows its SSE stream to the terminal event, then the next.
// Slipway's RSS is sampled every second. Targets: final RSS < 300 MB; no upward trend over the last half (the
// least-squares slope across the last half of the samples adds < 5% of that half's mean RSS).
import {
  call,
  childPids,
  cpuSeconds,
  createProjects,
  main,
  pool,
  progress,
  rssMb,
  sleep,
  slope,
  startSlipway,
  summary,
  waitForOp,
} from "./lib.mjs";

const ID = "P7";
const OPS = Number(process.env.BENCH_P7_OPS ?? 10_000);
const PROJECTS = 16;
// The whole `make bench` must stay under 10 minutes on 2 cores: the soak stops at OPS ops or after SECONDS,
// whichever comes first (BENCH_P7_SECONDS=1200 for a full 10,000-op run on its own).
const SECONDS = Number(process.env.BENCH_P7_SECONDS ?? 180);

export async function run(report) {
  progress(ID, "starting Slipway");
  const sw = await startSlipway(ID);
  progress(ID, `creating ${PROJECTS} projects`);
  const ids = await createProjects(sw.base, "p7", PROJECTS);
  const samples = [];
  const pids = [sw.pid, ...childPids(sw.pid)];
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  let done = 0;
  let failed = 0;
  let conflicts = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ t: (performance.now() - t0) / 1000, rss: rssMb(sw.pid), ops: done });
      if (samples.length % 10 === 0) {
        const s = samples[samples.length - 1];
        progress(ID, `${s.ops}/${OPS} ops, RSS ${s.rss} MB, ${(s.ops / s.t).toFixed(1)} ops/s`);
      }
      await sleep(1000);
    }
  })();
  let next = 0;
  try {
    await pool(PROJECTS, PROJECTS, async (w) => {
      while (next < OPS && performance.now() - t0 < SECONDS * 1000) {
        next++;
        const r = await call(sw.base, "POST", "/api/events/deployment", { project_id: ids[w], environment: "dev" });
        if (r.status === 409) {
          conflicts++;
          next--;
          continue;
        }
        if (r.status !== 202) throw new Error(`deploy ${ids[w]}: HTTP ${r.status} ${r.text}`);
        const op = await waitForOp(sw.base, r.body.op.id);
        if (op.status !== "done") failed++;
        done++;
      }
    });
  } finally {
    sampling = false;
    await sampler;
  }
  const wall = (performance.now() - t0) / 1000;
  const final = rssMb(sw.pid);
  const cpuMs = pids.map((p, i) => Math.round(((cpuSeconds(p) - cpu0[i]) * 1000) / Math.max(1, done)));
  const half = samples.slice(Math.floor(samples.length / 2));
  const k = slope(
    half.map((s) => s.t),
    half.map((s) => s.rss),
  ); // MB per second
  const halfMean = half.reduce((a, s) => a + s.rss, 0) / half.length;
  const rise = k * (half[half.length - 1].t - half[0].t);
  progress(
    ID,
    `${done} ops in ${wall.toFixed(1)}s; final RSS ${final} MB; last-half slope ${(k * 60).toFixed(2)} MB/min`,
  );
  report.details = {
    ops: done,
    ops_target: OPS,
    seconds_bound: SECONDS,
    projected_s_for_target: Math.round(OPS / (done / wall)),
    failed,
    conflicts,
    cpu_ms_per_op: { slipway: cpuMs[0], nats_server: cpuMs[1] },
    projects: PROJECTS,
    wall_s: Math.round(wall * 10) / 10,
    ops_per_s: Math.round((done / wall) * 10) / 10,
    rss_mb: summary(samples.map((s) => s.rss)),
    last_half: {
      mean_mb: Math.round(halfMean * 10) / 10,
      slope_mb_per_min: Math.round(k * 600) / 10,
      rise_mb: Math.round(rise * 10) / 10,
    },
    samples,
  };
  report.figure({
    name: `ops completed (bound ${OPS} ops or ${SECONDS} s)`,
    value: done,
    unit: "ops",
    target: `${OPS} ops`,
    pass: done >= OPS,
  });
  report.figure({
    name: `RSS after ${done} ops`,
    value: final,
    unit: "MB",
    target: "< 300 MB, 0 failed ops",
    pass: final < 300 && failed === 0,
  });
  report.figure({
    name: "RSS rise over the last half (trend)",
    value: Math.round(rise * 10) / 10,
    unit: "MB",
    target: `< 5% of ${halfMean.toFixed(0)} MB`,
    pass: rise < 0.05 * halfMean,
  });
  report.figure({
    name: "Slipway CPU per deploy op",
    value: cpuMs[0],
    unit: "ms",
    target: "(info: 10,000 ops in 3 min needs < 36 ms on 2 cores)",
    pass: null,
  });
  report.figure({
    name: "sustained op rate",
    value: Math.round((done / wall) * 10) / 10,
    unit: "ops/s",
    target: "(info)",
    pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main(ID, "RSS after 10,000 ops sustained", run);
