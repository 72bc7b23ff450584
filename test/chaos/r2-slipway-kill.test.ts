/**
 * R2 (issue 7): `kill -9` Slipway with several ops mid-pipeline, restart it on the same store (the new process
 * reaps the orphaned nats-server), kill it again right after the restart, restart once more: every op reaches a
 * terminal state, none is stuck `running`, none ran a step twice. Extends crash.test.ts (one op, one kill) to
 * nine ops of two kinds and a second kill during recovery.
 */
import { afterAll, describe, expect, it } from "vitest";
import { call, readSse, SAMPLE_SPEC } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import {
  alive,
  createCommitProblems,
  followOp,
  natsPid,
  opHistory,
  ranOnceProblems,
  retryNotices,
  sleep,
  storedEvents,
} from "./chaos-support.js";

let ENV: Record<string, string> = { PAAS_STEP_DELAY: "800ms" };

let dirs: Dirs;
let sw: SlipwayProcess;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function begin(env: Record<string, string>): Promise<void> {
  ENV = env;
  dirs = await makeDirs();
  sw = await startSlipway(dirs, ENV);
  const d = dirs;
  cleanups.push(async () => {
    await sw?.stop("SIGKILL");
    // The last process stops its nats-server child on SIGTERM; after SIGKILL reap it ourselves.
    const pid = await natsPid(d.dataDir).catch(() => 0);
    if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    await d.cleanup();
  });
}

async function killAndRestart(label: string): Promise<void> {
  const orphan = await natsPid(dirs.dataDir);
  // Same port as before (as in production): the hooks' webhook endpoint, and so `.paas/webhook.json`, stay the same.
  const addr = new URL(sw.base).host;
  expect(await sw.stop("SIGKILL"), `${label}: killed by signal`).toBe(null);
  expect(alive(orphan), `${label}: nats-server outlives its parent`).toBe(true);
  sw = await startSlipway(dirs, { ...ENV, PAAS_HTTP_ADDR: addr });
  expect(alive(orphan), `${label}: the new process reaped the orphan`).toBe(false);
}

type Tracked = { projectId: string; kind: string; opId: string };

/** Follow every op to its end, then collect what is wrong: not terminal, not once, commits, stuck, not Ready. */
async function problemsAfterRecovery(ops: Tracked[], projects: string[]): Promise<string[]> {
  const t0 = Date.now();
  const follows = await Promise.all(ops.map((o) => followOp(() => sw.base, o.opId, { deadlineMs: 180_000 })));
  console.log(`R2: ${ops.length} ops terminal ${Date.now() - t0} ms after the last restart`);
  const problems: string[] = [];
  for (const [i, o] of ops.entries()) {
    if (!follows[i].terminal) problems.push(`${o.projectId} op ${o.opId}: no terminal event`);
    const op = (await call(sw.base, "GET", `/api/ops/${o.opId}`)).body;
    const events = await storedEvents(sw.base, o.opId);
    const mine = [
      ...ranOnceProblems(op, events),
      ...(o.kind === "create" ? createCommitProblems(dirs.artifactsRoot, o.projectId, o.opId) : []),
    ];
    const notices = retryNotices(events);
    if (mine.length) problems.push(`${o.projectId} ${o.kind} ${o.opId}: ${mine.join("; ")} ${notices.join(" | ")}`);
  }
  // Nothing anywhere is left queued or running, and every project is Ready.
  for (const id of projects) {
    const active = (await opHistory(sw.base, id)).filter((h) => h.status === "queued" || h.status === "running");
    if (active.length) problems.push(`${id}: ops still active ${active.map((a) => `${a.id}=${a.status}`).join(",")}`);
    const p = (await call(sw.base, "GET", `/api/projects/${id}`)).body;
    if (p.status.phase !== "Ready") problems.push(`${id}: phase ${p.status.phase} (${p.status.message})`);
  }
  return problems;
}

describe("R2: kill -9 Slipway mid-pipeline and restart on the same store", () => {
  it("every op reaches a terminal state exactly once; none stuck running", async () => {
    await begin({ PAAS_STEP_DELAY: "800ms" });
    const base = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "r2-base",
      spec: SAMPLE_SPEC,
    });
    expect(base.status).toBe(202);
    expect((await followOp(() => sw.base, base.body.op.id, { deadlineMs: 60_000 })).terminal).toBe(true);

    // Nine ops in flight: eight creates and an update of the existing project.
    const creates = Array.from({ length: 8 }, (_, i) => `r2-c${i}`);
    const responses = await Promise.all([
      ...creates.map((id) =>
        call(sw.base, "POST", "/api/events/registration", { action: "create", project_id: id, spec: SAMPLE_SPEC }),
      ),
      call(sw.base, "PUT", "/api/projects/r2-base", {
        ...SAMPLE_SPEC,
        environments: { ...SAMPLE_SPEC.environments, dev: { vars: { LOG_LEVEL: "trace" } } },
      }),
    ]);
    for (const r of responses) expect(r.status, r.text).toBe(202);
    const ops: Tracked[] = responses.map((r, i) => ({
      projectId: i < creates.length ? creates[i] : "r2-base",
      kind: i < creates.length ? "create" : "update",
      opId: r.body.op.id as string,
    }));

    // Kill once the first op is in its second step, so ops are spread over queued/running steps.
    await readSse(
      `${sw.base}/api/ops/${ops[0].opId}/events`,
      { "Last-Event-ID": "0" },
      { until: (f) => f.event === "step.started" && f.data.worker === "repoBootstrap", ms: 60_000 },
    );
    await sleep(300);
    const before = await Promise.all(ops.map((o) => call(sw.base, "GET", `/api/ops/${o.opId}`)));
    const inFlight = before.filter((r) => r.body.status === "queued" || r.body.status === "running").length;
    console.log(`R2: ${inFlight} of ${ops.length} ops queued/running at the first kill`);
    expect(inFlight).toBeGreaterThanOrEqual(5);
    await killAndRestart("first kill");

    // Kill again during recovery, before redelivered work has finished, then restart for good.
    await sleep(1500);
    await killAndRestart("second kill");

    const problems = await problemsAfterRecovery(ops, ["r2-base", ...creates]);
    expect(problems).toEqual([]);
    const spec = (await call(sw.base, "GET", "/api/projects/r2-base")).body.spec;
    expect(spec.environments.dev.vars).toEqual({ LOG_LEVEL: "trace" });
    expect(await sw.stop("SIGTERM")).toBe(0);
  }, 420_000);

  it("kill -9 while steps write files and git commits (no step delay): every op still completes exactly once", async () => {
    await begin({});
    const ids = Array.from({ length: 40 }, (_, i) => `r2-w${String(i).padStart(2, "0")}`);
    const responses = await Promise.all(
      ids.map((id) =>
        call(sw.base, "POST", "/api/events/registration", { action: "create", project_id: id, spec: SAMPLE_SPEC }),
      ),
    );
    for (const r of responses) expect(r.status, r.text).toBe(202);
    const ops: Tracked[] = responses.map((r, i) => ({ projectId: ids[i], kind: "create", opId: r.body.op.id }));
    // Kill once about a quarter of the ops are done: the workers are busy writing and committing.
    let finished = 0;
    await new Promise<void>((resolve) => {
      for (const o of ops)
        void followOp(() => sw.base, o.opId, { deadlineMs: 60_000 }).then(() => {
          if (++finished === 10) resolve();
        });
    });
    const before = await Promise.all(ops.map((o) => call(sw.base, "GET", `/api/ops/${o.opId}`)));
    const running = before.filter((r) => r.body.status === "running").length;
    await killAndRestart("kill while writing");
    console.log(`R2: ${running} of ${ops.length} ops running at the kill (no step delay)`);
    expect(await problemsAfterRecovery(ops, ids)).toEqual([]);
    expect(await sw.stop("SIGTERM")).toBe(0);
  }, 420_000);
});
