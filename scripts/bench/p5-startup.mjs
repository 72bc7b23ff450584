// P5: start → `/readyz` 200 with the embedded nats-server (fresh temp store each time), and idle RSS. Baseline in
// the same run: `nats-server` alone (JetStream on, same kind of temp store) to ready (its monitor's /healthz 200).
// Both are timed from spawn and polled every 5 ms; median of RUNS starts. Targets: < 1.5 s; idle RSS < 150 MB.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { bundle, childPids, main, median, progress, rssMb, sleep, spawnGroup, summary, tempDir } from "./lib.mjs";

const ID = "P5";
const RUNS = Number(process.env.BENCH_P5_RUNS ?? 5);
const IDLE_S = 5;

async function pollOk(url, deadlineMs) {
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      /* not up yet */
    }
    if (performance.now() > deadlineMs) throw new Error(`${url} not ready in time`);
    await sleep(5);
  }
}

/** Poll a file until `re` matches (5 ms). */
async function pollFile(file, re, deadlineMs, p) {
  for (;;) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      /* not yet */
    }
    const m = re.exec(text);
    if (m) return m;
    if (p.proc.exitCode !== null) throw new Error(`exited early:\n${text.slice(-2000)}`);
    if (performance.now() > deadlineMs) throw new Error(`timed out waiting for ${re}:\n${text.slice(-2000)}`);
    await sleep(5);
  }
}

async function slipwayOnce(measureIdle) {
  const root = tempDir("p5-sw");
  const logFile = join(root, "slipway.log");
  const t0 = performance.now();
  const p = await spawnGroup(process.execPath, [bundle()], {
    logFile,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PAAS_HTTP_ADDR: "127.0.0.1:0",
      PAAS_DATA_DIR: join(root, "data"),
      PAAS_ARTIFACTS_ROOT: join(root, "artifacts"),
      PAAS_IMAGE_BUILDER_MODE: "artifact",
    },
  });
  const deadline = t0 + 30_000;
  const m = await pollFile(logFile, /Portal: (http:\/\/[^\s"]+)/, deadline, p);
  await pollOk(`${m[1]}/readyz`, deadline);
  const readyMs = performance.now() - t0;
  let idle;
  if (measureIdle) {
    await pollFile(logFile, /Workers: /, deadline, p);
    await sleep(IDLE_S * 1000);
    const nats = childPids(p.pid).map((c) => rssMb(c));
    idle = { node_mb: rssMb(p.pid), nats_mb: nats.reduce((a, b) => a + b, 0) };
  }
  await p.stop();
  return { readyMs, idle };
}

async function natsOnce() {
  const root = tempDir("p5-nats");
  const portsDir = join(root, "ports");
  const conf = join(root, "nats.conf");
  const { writeFileSync, mkdirSync } = await import("node:fs");
  mkdirSync(portsDir);
  writeFileSync(
    conf,
    [
      `listen: "127.0.0.1:-1"`,
      `http: "127.0.0.1:-1"`,
      `ports_file_dir: ${JSON.stringify(portsDir)}`,
      `jetstream { store_dir: ${JSON.stringify(join(root, "store"))} }`,
      ``,
    ].join("\n"),
  );
  const t0 = performance.now();
  const p = await spawnGroup("nats-server", ["-c", conf], {
    logFile: join(root, "nats.log"),
    env: { PATH: process.env.PATH },
  });
  const deadline = t0 + 15_000;
  let ports;
  for (;;) {
    const f = readdirSync(portsDir).find((n) => n.endsWith(".ports"));
    if (f) {
      try {
        ports = JSON.parse(readFileSync(join(portsDir, f), "utf8"));
        break;
      } catch {
        /* being written */
      }
    }
    if (performance.now() > deadline) throw new Error("nats-server wrote no ports file");
    await sleep(5);
  }
  const monitor = ports.monitoring.find((u) => u.startsWith("http://"));
  await pollOk(`${monitor}/healthz`, deadline);
  const readyMs = performance.now() - t0;
  await sleep(1000);
  const idleMb = rssMb(p.pid);
  await p.stop();
  return { readyMs, idleMb };
}

export async function run(report) {
  const sw = [];
  const nats = [];
  let idle;
  await slipwayOnce(false); // warm the page cache (bundle, nats-server binary)
  for (let i = 0; i < RUNS; i++) {
    const r = await slipwayOnce(i === 0);
    if (r.idle) idle = r.idle;
    sw.push(r.readyMs);
    const n = await natsOnce();
    nats.push(n.readyMs);
    progress(
      ID,
      `run ${i + 1}/${RUNS}: slipway ready in ${r.readyMs.toFixed(0)} ms, nats-server alone ${n.readyMs.toFixed(0)} ms`,
    );
  }
  const swMed = median(sw);
  const nMed = median(nats);
  report.details = {
    runs: RUNS,
    slipway_ready_ms: summary(sw),
    nats_ready_ms: summary(nats),
    idle_rss_mb: idle,
    idle_after_s: IDLE_S,
  };
  report.figure({
    name: "start → /readyz 200 (median)",
    value: Math.round(swMed),
    unit: "ms",
    baseline: Math.round(nMed),
    target: "< 1,500 ms",
    pass: swMed < 1500,
  });
  report.figure({
    name: "idle RSS (node process)",
    value: idle.node_mb,
    unit: "MB",
    target: "< 150 MB",
    pass: idle.node_mb < 150,
  });
  report.figure({
    name: "idle RSS of the nats-server child",
    value: idle.nats_mb,
    unit: "MB",
    target: "(info)",
    pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main(ID, "start → /readyz 200 and idle RSS", run);
