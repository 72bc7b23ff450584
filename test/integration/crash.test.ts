import { afterAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { call, readSse, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function natsPid(dirs: Dirs): Promise<number> {
  return Number((await readFile(join(dirs.dataDir, "nats", "slipway-nats.pid"), "utf8")).trim());
}

describe("crash and restart", () => {
  it("finishes an op after Slipway is killed mid-pipeline and started again on the same store", async () => {
    const dirs = await makeDirs();
    cleanups.push(() => dirs.cleanup());
    let sw: SlipwayProcess = await startSlipway(dirs, { PAAS_STEP_DELAY: "1500ms" });
    cleanups.push(() => sw.stop());
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "crashy",
      spec: SAMPLE_SPEC,
    });
    expect(r.status).toBe(202);
    const opId = r.body.op.id;
    // Wait until the second step has started, then kill the process without any chance to clean up.
    await readSse(
      `${sw.base}/api/ops/${opId}/events`,
      {},
      { until: (f) => f.event === "step.started" && f.data.worker === "repoBootstrap" },
    );
    const orphan = await natsPid(dirs);
    expect(await sw.stop("SIGKILL")).toBe(null);
    expect(alive(orphan)).toBe(true); // its nats-server child outlived it

    sw = await startSlipway(dirs);
    expect(alive(orphan)).toBe(false); // the new process stopped the orphan before reusing the store
    const op = await waitForOp(sw.base, opId);
    expect(op.status).toBe("done");
    expect(op.steps.map((s: { worker: string }) => s.worker)).toEqual([
      "registrar",
      "repoBootstrap",
      "imageBuilder",
      "manifestRenderer",
    ]);
    // The redelivered step did not start twice: the stream is the canonical 17 events, in order.
    const all = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "0" });
    const ids = all.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
    expect(ids).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect((await call(sw.base, "GET", "/api/projects/crashy")).body.status.phase).toBe("Ready");
    expect(await sw.stop("SIGTERM")).toBe(0);
  }, 120_000);

  it("restarts a nats-server child that dies and keeps serving", async () => {
    const dirs = await makeDirs();
    cleanups.push(() => dirs.cleanup());
    const sw = await startSlipway(dirs);
    cleanups.push(() => sw.stop());
    const first = await natsPid(dirs);
    process.kill(first, "SIGKILL");
    await sw.waitForLog(/nats-server restarted/);
    await sw.waitForLog(/NATS reconnect/);
    const second = await natsPid(dirs);
    expect(second).not.toBe(first);
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "after-restart",
      spec: SAMPLE_SPEC,
    });
    expect(r.status).toBe(202);
    expect((await waitForOp(sw.base, r.body.op.id)).status).toBe("done");
    expect((await call(sw.base, "GET", "/readyz")).status).toBe(200);
    expect(await sw.stop("SIGTERM")).toBe(0);
    expect(alive(second)).toBe(false);
  }, 120_000);
});
