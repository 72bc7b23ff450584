/**
 * R3 (issue 7): SSE clients that drop and reconnect with `Last-Event-ID` (or `?last_event_id=`) at random
 * points, while Slipway is killed with -9 and restarted mid-pipeline (R2-style): every reassembled stream has
 * 0 gaps and 0 duplicates and equals the stored sequence. Extends sse.test.ts (fixed resume points on a
 * finished op) to random resume points on live ops across a crash.
 */
import { afterAll, describe, expect, it } from "vitest";
import { call, SAMPLE_SPEC, type SseFrame } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { alive, followOp, natsPid, rng, sleep, storedEvents, type FollowResult } from "./chaos-support.js";

const ENV = { PAAS_STEP_DELAY: "400ms", PAAS_SSE_HEARTBEAT: "200ms" };
const OPS = 6;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);

let dirs: Dirs;
let sw: SlipwayProcess;
afterAll(async () => {
  await sw?.stop("SIGKILL");
  const pid = await natsPid(dirs.dataDir).catch(() => 0);
  if (pid && alive(pid)) process.kill(pid, "SIGKILL");
  await dirs?.cleanup();
});

const view = (f: SseFrame) => ({ id: f.id, event: f.event, data: f.data });

describe("R3: SSE resume with Last-Event-ID at random points, across a kill -9 and restart", () => {
  it("reassembles every stream with 0 gaps and 0 duplicates, equal to the stored sequence", async () => {
    console.log(`R3: seed ${SEED} (rerun with CHAOS_SEED=${SEED})`);
    const rand = rng(SEED);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    dirs = await makeDirs();
    sw = await startSlipway(dirs, ENV);
    const base = () => sw.base;

    const opIds: string[] = [];
    for (let i = 0; i < OPS; i++) {
      const r = await call(sw.base, "POST", "/api/events/registration", {
        action: "create",
        project_id: `r3-${i}`,
        spec: SAMPLE_SPEC,
      });
      expect(r.status).toBe(202);
      opIds.push(r.body.op.id);
    }

    // Four clients per op: A resumes by header after 1–4 frames; B starts from a snapshot and drops after
    // 50–700 ms; C resumes by query after 1–3 frames or 100–500 ms; D rewinds to a random earlier id each time.
    type Client = { op: string; kind: "A" | "B" | "C" | "D"; run: Promise<FollowResult> };
    const clients: Client[] = [];
    for (const op of opIds) {
      const deadlineMs = 180_000;
      clients.push({ op, kind: "A", run: followOp(base, op, { deadlineMs, dropAfterFrames: () => int(1, 4) }) });
      clients.push({
        op,
        kind: "B",
        run: followOp(base, op, { deadlineMs, startAt: undefined, dropAfterMs: () => int(50, 700) }),
      });
      clients.push({
        op,
        kind: "C",
        run: followOp(base, op, {
          deadlineMs,
          viaQuery: true,
          dropAfterFrames: () => int(1, 3),
          dropAfterMs: () => int(100, 500),
        }),
      });
      clients.push({
        op,
        kind: "D",
        run: followOp(base, op, {
          deadlineMs,
          dropAfterFrames: () => int(1, 5),
          resumeFrom: (last) => String(int(0, Number(last ?? 0))),
        }),
      });
    }

    // The crash lands while the ops are mid-pipeline and every client is connected or reconnecting.
    await sleep(int(1200, 2500));
    const orphan = await natsPid(dirs.dataDir);
    expect(await sw.stop("SIGKILL")).toBe(null);
    sw = await startSlipway(dirs, ENV);
    expect(alive(orphan)).toBe(false);

    const results = await Promise.all(clients.map((c) => c.run));
    const stored = new Map<string, SseFrame[]>();
    for (const op of opIds) stored.set(op, await storedEvents(sw.base, op));

    const problems: string[] = [];
    let connects = 0;
    for (const [i, c] of clients.entries()) {
      const r = results[i];
      connects += r.connects;
      const all = stored.get(c.op)!;
      const label = `${c.kind} ${c.op}`;
      if (!r.terminal) problems.push(`${label}: never saw the terminal event (${r.hiccups.slice(-3).join(", ")})`);
      if (!r.gone204)
        problems.push(`${label}: reconnect at the terminal id was not 204 (${r.hiccups.slice(-2).join(", ")})`);
      if (c.kind === "D") {
        // Each connection replays exactly from its resume point: ids k+1, k+2, … equal to the stored frames.
        for (const seg of r.segments) {
          const from = Number(seg.from ?? 0);
          const want = all.slice(from, from + seg.frames.length).map(view);
          if (JSON.stringify(seg.frames.map(view)) !== JSON.stringify(want))
            problems.push(`${label}: segment from ${seg.from} got ids ${seg.frames.map((f) => f.id).join(",")}`);
        }
        continue;
      }
      const from = c.kind === "B" ? (r.snapshotSeq ?? -1) : 0;
      if (from < 0) problems.push(`${label}: no snapshot on the first connection`);
      const got = r.frames.map(view);
      const want = all.slice(from).map(view);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        problems.push(
          `${label}: reassembled ids ${r.frames.map((f) => f.id).join(",")} ≠ stored ${all
            .slice(from)
            .map((f) => f.id)
            .join(",")}`,
        );
      }
    }
    // The stored streams themselves: 1..n, one terminal event, last; and the ops survived the crash.
    for (const op of opIds) {
      const all = stored.get(op)!;
      const ids = all.map((f) => Number(f.id));
      if (ids.some((id, j) => id !== j + 1)) problems.push(`${op}: stored ids ${ids.join(",")}`);
      const terminals = all.filter((f) => f.event === "op.completed" || f.event === "op.failed");
      if (terminals.length !== 1 || terminals[0] !== all[all.length - 1])
        problems.push(`${op}: terminal events ${terminals.map((f) => f.id).join(",")} of ${all.length}`);
      const o = (await call(sw.base, "GET", `/api/ops/${op}`)).body;
      if (o.status !== "done") {
        const failed = o.steps.find((s: any) => s.error);
        problems.push(`${o.project_id} op ${op}: ${o.status} at ${failed?.worker}: ${o.error}`);
      }
    }
    console.log(`R3: ${clients.length} clients, ${connects} connections in all`);
    expect(problems).toEqual([]);

    expect(await sw.stop("SIGTERM")).toBe(0);
  }, 420_000);
});
