import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, readSse, SAMPLE_SPEC, waitForOp, type SseFrame } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const CREATE_EVENTS = [
  "op.bootstrap",
  "op.status",
  "op.status",
  ...Array.from({ length: 4 }, () => ["step.started", "step.ended", "step.artifacts"]).flat(),
  "op.status",
  "op.completed",
];

let dirs: Dirs;
let sw: SlipwayProcess;
let opId = "";
let liveFrames: SseFrame[] = [];

beforeAll(async () => {
  dirs = await makeDirs();
  sw = await startSlipway(dirs, { PAAS_SSE_HEARTBEAT: "150ms", PAAS_STEP_DELAY: "300ms" });
  const r = await call(sw.base, "POST", "/api/events/registration", {
    action: "create",
    project_id: "sse-app",
    spec: SAMPLE_SPEC,
  });
  expect(r.status).toBe(202);
  opId = r.body.op.id;
  // Follow the op live from right after the 202 until the stream ends by itself.
  const live = await readSse(`${sw.base}/api/ops/${opId}/events`, {}, { ms: 60_000 });
  expect(live.status).toBe(200);
  liveFrames = live.frames;
});

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

const recorded = (frames: SseFrame[]) => frames.filter((f) => f.id !== undefined);

describe("SSE /api/ops/{id}/events", () => {
  it("streams a snapshot, then every later event live, heartbeats between, and ends after op.completed", () => {
    expect(liveFrames[0]).toEqual({ retry: 2000 });
    const snap = liveFrames[1];
    expect(snap.event).toBe("op.bootstrap");
    expect(snap.id).toBeUndefined();
    expect(snap.data).toMatchObject({
      event_id: "bootstrap",
      message: "operation snapshot",
      op_id: opId,
      total_steps: 4,
      delivery: {},
    });
    const events = recorded(liveFrames);
    const ids = events.map((f) => Number(f.id));
    expect(ids).toEqual(Array.from({ length: 17 - snap.data.sequence }, (_, i) => snap.data.sequence + 1 + i));
    expect(events.map((f) => f.event)).toEqual(CREATE_EVENTS.slice(snap.data.sequence));
    expect(liveFrames[liveFrames.length - 1].event).toBe("op.completed");
    const heartbeats = liveFrames.filter((f) => f.event === "op.heartbeat");
    expect(heartbeats.length).toBeGreaterThan(0);
    for (const h of heartbeats) {
      expect(h.id).toBeUndefined();
      expect(h.data).toMatchObject({ event_id: "heartbeat", message: "stream heartbeat", op_id: opId });
      expect(h.data.worker).toBeUndefined();
      expect(h.data.artifacts).toBeUndefined();
    }
  });

  it("carries the SPEC §5.2 payload fields", () => {
    const events = recorded(liveFrames);
    for (const f of events) {
      expect(f.data.event_id).toBe(f.id);
      expect(f.data.sequence).toBe(Number(f.id));
      expect(f.data.kind).toBe("create");
      expect(f.data.project_id).toBe("sse-app");
    }
    const started = events.find((f) => f.event === "step.started" && f.data.worker === "imageBuilder")!;
    expect(started.data).toMatchObject({ step_index: 3, status: "running", progress_percent: 50 });
    expect(started.data.message).toBe(
      "build and publish image to local daemon (requested=artifact; effective=artifact; explicit=true)",
    );
    const ended = events.find((f) => f.event === "step.ended" && f.data.worker === "manifestRenderer")!;
    expect(ended.data.artifacts.length).toBeLessThanOrEqual(8);
    expect(typeof ended.data.duration_ms).toBe("number");
    expect(events[events.length - 1].data).toMatchObject({
      status: "done",
      progress_percent: 100,
      message: "operation completed",
    });
  });

  it("replays exactly events 4..17 after Last-Event-ID: 3, then ends", async () => {
    const r = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "3" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(r.headers.get("cache-control")).toBe("no-cache");
    expect(r.headers.get("x-accel-buffering")).toBe("no");
    expect(r.frames[0]).toEqual({ retry: 2000 });
    expect(r.frames.slice(1).map((f) => Number(f.id))).toEqual(Array.from({ length: 14 }, (_, i) => i + 4));
    expect(r.frames.slice(1).map((f) => f.event)).toEqual(CREATE_EVENTS.slice(3));
  });

  it("accepts ?last_event_id= when there is no header", async () => {
    const r = await readSse(`${sw.base}/api/ops/${opId}/events?last_event_id=15`);
    expect(recorded(r.frames).map((f) => f.id)).toEqual(["16", "17"]);
  });

  it("answers 204 to a reconnect at or past the terminal event", async () => {
    for (const k of ["17", "40"]) {
      const r = await fetch(`${sw.base}/api/ops/${opId}/events`, {
        headers: { "Last-Event-ID": k },
        signal: AbortSignal.timeout(10_000),
      });
      expect(r.status).toBe(204);
    }
  });

  it("sends a snapshot plus the stored terminal event for a finished op without a usable id", async () => {
    for (const headers of [{}, { "Last-Event-ID": "abc" }, { "Last-Event-ID": "-1" }] as Record<string, string>[]) {
      const r = await readSse(`${sw.base}/api/ops/${opId}/events`, headers);
      expect(r.frames.map((f) => [f.event, f.id])).toEqual([
        [undefined, undefined],
        ["op.bootstrap", undefined],
        ["op.completed", "17"],
      ]);
      expect(r.frames[1].data).toMatchObject({
        sequence: 17,
        status: "done",
        progress_percent: 100,
        worker: "manifestRenderer",
        step_index: 4,
      });
    }
  });

  it("404s unknown ops and 400s an empty op id", async () => {
    expect((await call(sw.base, "GET", `/api/ops/${"0".repeat(32)}/events`)).status).toBe(404);
    expect((await call(sw.base, "GET", "/api/ops/not-an-id/events")).status).toBe(404);
    const empty = await call(sw.base, "GET", "/api/ops/");
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("BAD_OP_ID");
    expect((await call(sw.base, "GET", `/api/ops/${opId}/other`)).body.error.code).toBe("ROUTE_NOT_FOUND");
    expect((await call(sw.base, "POST", `/api/ops/${opId}/events`)).status).toBe(405);
  });

  it("replays the same events after Slipway restarts on the same store, and continues sequences", async () => {
    const before = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "3" });
    expect(await sw.stop("SIGTERM")).toBe(0);
    sw = await startSlipway(dirs, { PAAS_SSE_HEARTBEAT: "150ms" });
    const after = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "3" });
    expect(after.frames).toEqual(before.frames);
    expect((await call(sw.base, "GET", `/api/ops/${opId}`)).body.status).toBe("done");
    // A new op after the restart gets its own sequence from 1.
    const upd = await call(sw.base, "PUT", "/api/projects/sse-app", SAMPLE_SPEC);
    expect(upd.status).toBe(202);
    await waitForOp(sw.base, upd.body.op.id);
    const all = await readSse(`${sw.base}/api/ops/${upd.body.op.id}/events`, { "Last-Event-ID": "0" });
    expect(recorded(all.frames).map((f) => Number(f.id))).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
  });
});
