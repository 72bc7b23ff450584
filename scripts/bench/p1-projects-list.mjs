// P1: GET /api/projects with 100 projects, auth on, 50 connections (autocannon), against a bare Hono app serving
// the same JSON bytes in the same run. Target: ≥ 0.8× the baseline's throughput.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  childPids,
  createProjects,
  interleaved,
  main,
  progress,
  startBaseline,
  startSlipway,
  tempDir,
} from "./lib.mjs";

const ID = "P1";
const PROJECTS = Number(process.env.BENCH_P1_PROJECTS ?? 100);
const CONNECTIONS = 50;
const WARMUP_S = 3;
// Slipway and the baseline are loaded in alternating windows (3 × 4 s each) so background load hits both alike.
const ROUNDS = 3;
const WINDOW_S = Number(process.env.BENCH_P1_WINDOW_S ?? 4);

export async function run(report) {
  const token = randomBytes(24).toString("hex");
  const auth = { Authorization: `Bearer ${token}` };
  progress(ID, "starting Slipway (auth on)");
  const sw = await startSlipway(ID, { PAAS_AUTH_TOKEN: token });
  progress(ID, `creating ${PROJECTS} projects`);
  await createProjects(sw.base, "p1", PROJECTS, auth);
  const list = await call(sw.base, "GET", "/api/projects", undefined, auth);
  if (list.status !== 200 || list.body.length !== PROJECTS)
    throw new Error(`list: ${list.status}, ${list.text.slice(0, 200)}`);
  const bytes = Buffer.byteLength(list.text);
  const bodyFile = join(tempDir("p1-body"), "projects.json");
  writeFileSync(bodyFile, list.text);
  progress(ID, `GET /api/projects returns ${bytes} bytes; starting the bare Hono baseline`);
  const base = await startBaseline(ID, "hono-json.mjs", [bodyFile]);
  const check = await call(base.base, "GET", "/api/projects");
  if (check.text !== list.text) throw new Error("baseline does not serve the same bytes");

  const r = await interleaved(
    ID,
    [
      { name: "baseline", opts: { url: `${base.base}/api/projects` }, pids: [base.pid] },
      {
        name: "slipway",
        opts: { url: `${sw.base}/api/projects`, headers: auth },
        pids: [sw.pid, ...childPids(sw.pid)],
      },
    ],
    { rounds: ROUNDS, seconds: WINDOW_S, warmup: WARMUP_S, connections: CONNECTIONS },
  );
  const b = r.baseline;
  const s = r.slipway;
  report.details = {
    projects: PROJECTS,
    body_bytes: bytes,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    window_s: WINDOW_S,
    slipway: s,
    baseline: b,
  };

  const clean = s.non2xx === 0 && s.errors === 0;
  report.figure({
    name: "GET /api/projects throughput",
    value: s.rps,
    unit: "req/s",
    baseline: b.rps,
    target: "≥ 0.8× baseline, 0 non-2xx",
    pass: clean && s.rps >= 0.8 * b.rps,
  });
  report.figure({
    name: "GET /api/projects latency p99",
    value: s.latency_ms.p99,
    unit: "ms",
    baseline: b.latency_ms.p99,
    target: "(info)",
    pass: null,
  });
}

if (import.meta.url === `file://${process.argv[1]}`)
  await main(ID, "GET /api/projects, 100 projects, auth on, 50 connections", run);
