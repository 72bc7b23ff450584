#!/usr/bin/env node
// `make bench` / `node scripts/bench/run.mjs [P1 P3 …]`: run the benchmarks of issue 7 one after another, each in
// its own Node process (its own Slipway, baseline, temp dirs and cleanup), then print every figure in one table and
// write test-output/bench/summary.json. Exit 0 when every target is met, 1 when one is missed, 2 when a benchmark
// could not run. Each benchmark file also runs alone: `node scripts/bench/p4-sse.mjs`.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, RESULTS_DIR, fmt, machine } from "./lib.mjs";

const BENCHES = {
  P1: "p1-projects-list.mjs",
  P2: "p2-registration.mjs",
  P3: "p3-webhooks.mjs",
  P4: "p4-sse.mjs",
  P5: "p5-startup.mjs",
  P6: "p6-buildkit.mjs",
  P7: "p7-soak.mjs",
};

const args = process.argv.slice(2).map((a) => a.toUpperCase());
if (args.includes("-H") || args.includes("--HELP")) {
  console.log(`usage: node scripts/bench/run.mjs [${Object.keys(BENCHES).join(" ")}]   (default: all)`);
  process.exit(0);
}
const unknown = args.filter((a) => !BENCHES[a]);
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")} (known: ${Object.keys(BENCHES).join(", ")})`);
  process.exit(2);
}
const ids = args.length ? Object.keys(BENCHES).filter((id) => args.includes(id)) : Object.keys(BENCHES);
if (!existsSync(join(REPO, "dist/slipway.mjs")) && !process.env.BENCH_BUNDLE) {
  console.error('dist/slipway.mjs is missing: run "npm run build" first (make bench does)');
  process.exit(2);
}

let child;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    // The benchmark cleans up its own process groups and temp dirs on the signal.
    child?.kill(sig);
    setTimeout(() => process.exit(130), 15_000).unref();
  });
}

const t0 = performance.now();
const m = machine();
console.log(
  `Slipway benchmarks: ${ids.join(" ")} — ${m.nproc} cores, ${m.mem_gib} GiB, ${m.cpu}, node ${m.node}, ${m.nats}`,
);
const runs = [];
for (const id of ids) {
  const start = performance.now();
  console.log(`\n=== ${id} (${BENCHES[id]}) ===`);
  const code = await new Promise((resolve) => {
    child = spawn(process.execPath, [join(REPO, "scripts/bench", BENCHES[id])], { cwd: REPO, stdio: "inherit" });
    child.on("exit", (c, s) => resolve(c ?? (s ? 128 : 1)));
  });
  child = undefined;
  const file = join(RESULTS_DIR, `${id}.json`);
  let result = null;
  try {
    result = JSON.parse(readFileSync(file, "utf8"));
    if (Date.parse(result.started) < Date.now() - (performance.now() - start) - 5000) result = null; // stale file
  } catch {
    result = null;
  }
  runs.push({ id, code, seconds: Math.round((performance.now() - start) / 100) / 10, result });
}

const total = Math.round((performance.now() - t0) / 1000);
console.log(`\n=== summary (${total} s) ===`);
const rows = [["id", "figure", "value", "baseline", "ratio", "target", "verdict"]];
for (const r of runs) {
  if (!r.result || r.code === 2 || r.code > 2) {
    rows.push([r.id, "(benchmark did not complete)", "-", "-", "-", "-", "ERROR"]);
  }
  for (const f of r.result?.figures ?? []) {
    const unit = f.unit ? ` ${f.unit}` : "";
    rows.push([
      r.id,
      f.name,
      `${fmt(f.value)}${unit}`,
      f.baseline !== undefined ? `${fmt(f.baseline)}${unit}` : "-",
      typeof f.ratio === "number" ? `${f.ratio.toFixed(2)}×` : "-",
      f.target,
      f.verdict,
    ]);
  }
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
for (const row of rows)
  console.log(
    row
      .map((c, i) => String(c).padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );

const failed = rows.filter((r) => r[6] === "FAIL").length;
const errors = rows.filter((r) => r[6] === "ERROR").length;
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(
  join(RESULTS_DIR, "summary.json"),
  `${JSON.stringify({ finished: new Date().toISOString(), seconds: total, machine: m, runs: runs.map((r) => ({ id: r.id, exit: r.code, seconds: r.seconds, pass: r.result?.pass ?? false, figures: r.result?.figures ?? [] })) }, null, 2)}\n`,
);
console.log(
  `\n${rows.length - 1 - failed - errors} rows ok/info, ${failed} FAIL, ${errors} ERROR; results in test-output/bench/`,
);
process.exit(errors ? 2 : failed ? 1 : 0);
