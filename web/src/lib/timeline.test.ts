import { describe, expect, it } from "vitest";
import type { Operation, OpEvent } from "../types.js";
import {
  applyEvent,
  buildTimeline,
  emptyStream,
  hintFor,
  plannedSteps,
  stepLabel,
  type StreamState,
} from "./timeline.js";

const OP = "6eb71355208bc21d43129e75bcd9df05";
const ZERO = "0001-01-01T00:00:00Z";

function ev(sequence: number, patch: Partial<OpEvent> = {}): OpEvent {
  return {
    event_id: String(sequence),
    sequence,
    op_id: OP,
    project_id: "shop",
    kind: "create",
    status: "running",
    at: "2026-01-01T00:00:00.000Z",
    total_steps: 4,
    delivery: {},
    ...patch,
  };
}

/** The 17 events of an artifact-mode create (SPEC §5.3). */
function createEvents(): [string, OpEvent][] {
  const out: [string, OpEvent][] = [
    ["op.bootstrap", ev(1, { status: "queued", message: "operation accepted and queued" })],
    ["op.status", ev(2, { status: "queued", message: "queued" })],
    ["op.status", ev(3, { progress_percent: 1, message: "operation started" })],
  ];
  const workers = plannedSteps("create");
  let seq = 4;
  workers.forEach((w, i) => {
    const idx = i + 1;
    const pct = Math.floor((100 * idx) / 4);
    out.push(["step.started", ev(seq++, { worker: w, step_index: idx, message: `start ${w}` })]);
    const end = ev(seq++, {
      worker: w,
      step_index: idx,
      message: `end ${w}`,
      duration_ms: 5,
      progress_percent: pct,
      artifacts: [`${w}.txt`],
    });
    out.push(["step.ended", end]);
    out.push(["step.artifacts", { ...end, sequence: seq, event_id: String(seq++) }]);
  });
  out.push(["op.status", ev(seq++, { status: "done", progress_percent: 100, message: "operation status updated" })]);
  out.push(["op.completed", ev(seq++, { status: "done", progress_percent: 100, message: "operation completed" })]);
  return out;
}

const reduce = (events: [string, OpEvent][], from: StreamState = emptyStream()) =>
  events.reduce((s, [n, e]) => applyEvent(s, n, e), from);

describe("applyEvent", () => {
  it("folds a whole create into four done steps, progress 100 and a terminal state", () => {
    const events = createEvents();
    expect(events).toHaveLength(17);
    const s = reduce(events);
    expect(s.lastSequence).toBe(17);
    expect(s.events.map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(Object.keys(s.steps)).toEqual(["1", "2", "3", "4"]);
    expect(Object.values(s.steps).every((st) => st.state === "done")).toBe(true);
    expect(s.steps[3]?.message).toBe("end imageBuilder");
    expect(s.status).toBe("done");
    expect(s.progress).toBe(100);
    expect(s.terminal).toBe(true);
  });

  it("is idempotent: replaying events after a reconnect changes nothing", () => {
    const events = createEvents();
    const once = reduce(events.slice(0, 10));
    const replayed = reduce(events.slice(0, 10), once);
    expect(replayed).toBe(once);
    const resumed = reduce(events, once); // the browser replays 1..17 after Last-Event-ID is lost
    expect(resumed.events.map((e) => e.seq)).toEqual(reduce(events).events.map((e) => e.seq));
  });

  it("ignores heartbeats", () => {
    const s = reduce(createEvents().slice(0, 5));
    const hb = ev(5, { event_id: "heartbeat", message: "stream heartbeat" });
    expect(applyEvent(s, "op.heartbeat", hb)).toBe(s);
  });

  it("a snapshot sets the resume point without inventing events", () => {
    const snap = ev(4, { event_id: "bootstrap", message: "operation snapshot", worker: "registrar", step_index: 1 });
    const s = applyEvent(emptyStream(), "op.bootstrap", snap);
    expect(s.lastSequence).toBe(4);
    expect(s.snapshotSequence).toBe(4);
    expect(s.events).toEqual([]);
    const next = reduce(createEvents().slice(3), s); // events 4..17 arrive; 4 is not > 4
    expect(next.events[0]?.seq).toBe(5);
    expect(next.terminal).toBe(true);
  });

  it("keeps a bounded build log from step.progress with cached/done marks", () => {
    let s = emptyStream();
    s = applyEvent(s, "step.progress", ev(5, { worker: "imageBuilder", step_index: 1, message: "[internal] load" }));
    s = applyEvent(
      s,
      "step.progress",
      ev(6, { worker: "imageBuilder", step_index: 1, message: "[internal] load", completed: true }),
    );
    s = applyEvent(
      s,
      "step.progress",
      ev(7, { worker: "imageBuilder", step_index: 1, message: "COPY . .", cached: true }),
    );
    expect(s.log.map((l) => [l.seq, l.message, !!l.completed, !!l.cached])).toEqual([
      [5, "[internal] load", false, false],
      [6, "[internal] load", true, false],
      [7, "COPY . .", false, true],
    ]);
    expect(s.steps[1]?.state).toBe("running");
  });

  it("records failure, error and hint from op.failed", () => {
    let s = emptyStream();
    s = applyEvent(s, "step.started", ev(4, { kind: "deploy", worker: "deployer", step_index: 1, total_steps: 1 }));
    const err = "no build image found; run create/update/ci before deploy";
    const hint = "Run a build first so there is an image ready to deploy.";
    s = applyEvent(s, "op.status", ev(5, { kind: "deploy", status: "error", error: err }));
    s = applyEvent(s, "step.ended", ev(6, { kind: "deploy", worker: "deployer", step_index: 1, error: err, hint }));
    s = applyEvent(s, "op.failed", ev(7, { kind: "deploy", status: "error", error: err, hint }));
    expect(s.status).toBe("error");
    expect(s.terminal).toBe(true);
    expect(s.steps[1]).toMatchObject({ state: "error", error: err, hint });
    expect(s.hint).toBe(hint);
  });
});

describe("buildTimeline", () => {
  const op = (patch: Partial<Operation> = {}): Operation => ({
    id: OP,
    kind: "create",
    project_id: "shop",
    requested: "2026-01-01T00:00:00.000Z",
    finished: ZERO,
    status: "running",
    steps: [],
    ...patch,
  });

  it("always shows every planned step, one row each", () => {
    const t = buildTimeline(op({ status: "queued" }), emptyStream());
    expect(t.rows.map((r) => [r.index, r.worker, r.state])).toEqual([
      [1, "registrar", "pending"],
      [2, "repoBootstrap", "pending"],
      [3, "imageBuilder", "pending"],
      [4, "manifestRenderer", "pending"],
    ]);
    expect(t.progress).toBe(0);
  });

  it("takes step state from the op JSON and the newer of op/events", () => {
    const o = op({
      steps: [
        {
          worker: "registrar",
          started_at: "2026-01-01T00:00:01.000Z",
          ended_at: "2026-01-01T00:00:01.250Z",
          message: "project registration upserted",
        },
        {
          worker: "repoBootstrap",
          started_at: "2026-01-01T00:00:02.000Z",
          ended_at: ZERO,
          message: "bootstrap source and manifests repos",
        },
      ],
    });
    const events = createEvents().slice(0, 9); // through repoBootstrap's step.artifacts
    const t = buildTimeline(o, reduce(events));
    expect(t.rows.map((r) => r.state)).toEqual(["done", "done", "pending", "pending"]);
    expect(t.rows[0]?.durationMs).toBe(5); // from the event
    expect(t.rows[0]?.message).toBe("project registration upserted");
    expect(t.progress).toBe(50);
    expect(buildTimeline(o, emptyStream()).rows[0]?.durationMs).toBe(250); // from timestamps
  });

  it("is 100% when done and ≥ 1% while running", () => {
    expect(buildTimeline(op({ status: "running" }), emptyStream()).progress).toBe(1);
    const done = buildTimeline(op({ status: "done", finished: "2026-01-01T00:00:09.000Z" }), emptyStream());
    expect(done.progress).toBe(100);
  });

  it("shows the error and a hint for a failed op even without events (polling)", () => {
    const err = 'from_env "qa" is not defined for project';
    const o = op({
      kind: "promote",
      status: "error",
      error: err,
      steps: [
        {
          worker: "promoter.plan",
          started_at: "2026-01-01T00:00:01.000Z",
          ended_at: "2026-01-01T00:00:02.000Z",
          error: err,
        },
      ],
    });
    const t = buildTimeline(o, emptyStream());
    expect(t.rows).toHaveLength(4);
    expect(t.rows[0]?.state).toBe("error");
    expect(t.error).toBe(err);
    expect(t.hint).toBe("Verify source and target environments exist and are different.");
  });

  it("never duplicates rows when events and op disagree on worker names", () => {
    const s = reduce(createEvents().slice(0, 4));
    const t = buildTimeline(null, s);
    expect(t.rows.map((r) => r.index)).toEqual([1, 2, 3, 4]);
  });
});

describe("labels and hints", () => {
  it("has friendly labels", () => {
    expect(stepLabel("imageBuilder")).toBe("Build and publish image");
    expect(stepLabel("manifestRenderer", "delete")).toBe("Delete app and clean artifacts");
    expect(stepLabel("somethingElse")).toBe("somethingElse");
    expect(plannedSteps("rollback")).toEqual([
      "promoter.plan",
      "promoter.render",
      "promoter.commit",
      "promoter.finalize",
    ]);
    expect(plannedSteps("ci")).toEqual(["imageBuilder", "manifestRenderer"]);
    expect(plannedSteps("nope")).toEqual([]);
  });

  it("maps errors to SPEC §5.2 hints, first match wins", () => {
    expect(hintFor(undefined)).toBeUndefined();
    expect(hintFor("no build image found; run create")).toMatch(/Run a build first/);
    expect(hintFor("to_env missing")).toMatch(/Verify source and target/);
    expect(hintFor("git Timeout after 20s")).toMatch(/timed out/);
    expect(hintFor("release not found")).toMatch(/Refresh project data/);
    expect(hintFor("boom")).toMatch(/Inspect artifacts/);
  });
});
