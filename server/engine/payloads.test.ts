import { describe, expect, it } from "vitest";
import type { Operation, OpStep } from "../store/index.js";
import type { OpKind, WorkerName } from "../../workers/types.js";
import { ZERO_TIME } from "../../workers/shared/ids.js";
import { basePayload, eventArtifacts, hintFor, progressPercent } from "./payloads.js";
import { STEP_ORDER } from "./steps.js";

const BUILD = "Run a build first so there is an image ready to deploy.";
const ENVS = "Verify source and target environments exist and are different.";
const TIMEOUT = "The operation timed out. Retry and inspect worker step details.";
const NOT_FOUND = "Refresh project data. The target project or artifact may no longer exist.";
const DEFAULT = "Inspect artifacts and step details, then retry when inputs are corrected.";

describe("hintFor (SPEC §5.2, first match on the lower-cased error)", () => {
  it.each([
    ["no build image found for project demo", BUILD],
    ["No Build Image Found", BUILD],
    ['from_env "qa" is not defined for project', ENVS],
    ['to_env "prod" is not defined for project', ENVS],
    ["FROM_ENV and TO_ENV must differ", ENVS],
    ["git fetch: timeout after 20s", TIMEOUT],
    ["NATS request TIMEOUT", TIMEOUT],
    ["project not found", NOT_FOUND],
    ["Snapshot NOT FOUND", NOT_FOUND],
    ["dockerfile parse error on line 3", DEFAULT],
    ["", DEFAULT],
  ])("%j → hint", (error, hint) => {
    expect(hintFor(error)).toBe(hint);
  });

  it("applies the rules in order: build image > environments > timeout > not found", () => {
    expect(hintFor("no build image found: from_env dev timeout not found")).toBe(BUILD);
    expect(hintFor("from_env lookup timeout: not found")).toBe(ENVS);
    expect(hintFor("to_env not found")).toBe(ENVS);
    expect(hintFor("timeout: release not found")).toBe(TIMEOUT);
    expect(hintFor("image not found before timeout")).toBe(TIMEOUT);
  });

  it("matches the literal words only", () => {
    // 'timed out' is not 'timeout', 'image not built' is not 'no build image found'.
    expect(hintFor("buildkit build timed out after 2m")).toBe(DEFAULT);
    expect(hintFor("no image was built")).toBe(DEFAULT);
    expect(hintFor("from env missing")).toBe(DEFAULT);
    expect(hintFor("notfound")).toBe(DEFAULT);
  });
});

const STARTED = "2026-01-02T03:04:05.000Z";
const ENDED = "2026-01-02T03:04:06.000Z";

function step(worker: WorkerName, state: "ok" | "running" | "error"): OpStep {
  if (state === "running") return { worker, started_at: STARTED, ended_at: ZERO_TIME, message: "start" };
  if (state === "error") return { worker, started_at: STARTED, ended_at: ENDED, message: "start", error: "boom" };
  return { worker, started_at: STARTED, ended_at: ENDED, message: "end" };
}

function opWith(kind: OpKind, status: Operation["status"], states: Array<"ok" | "running" | "error">): Operation {
  return {
    id: "0123456789abcdef0123456789abcdef",
    kind,
    project_id: "demo",
    requested: STARTED,
    finished: ZERO_TIME,
    status,
    steps: states.map((s, i) => step(STEP_ORDER[kind][i], s)),
  };
}

describe("progressPercent (SPEC §5.2)", () => {
  it("is undefined (omitted) while queued", () => {
    expect(progressPercent(opWith("create", "queued", []))).toBeUndefined();
  });

  it("is 100 when done", () => {
    expect(progressPercent(opWith("create", "done", ["ok", "ok", "ok", "ok"]))).toBe(100);
    expect(progressPercent(opWith("deploy", "done", ["ok"]))).toBe(100);
    expect(progressPercent(opWith("ci", "done", []))).toBe(100);
  });

  it("is at least 1 while running with nothing finished", () => {
    expect(progressPercent(opWith("create", "running", []))).toBe(1);
    expect(progressPercent(opWith("create", "running", ["running"]))).toBe(1);
    expect(progressPercent(opWith("deploy", "running", ["running"]))).toBe(1);
  });

  it("is floor(100 × steps ended without error / total_steps) while running", () => {
    expect(progressPercent(opWith("create", "running", ["ok", "running"]))).toBe(25);
    expect(progressPercent(opWith("create", "running", ["ok", "ok", "running"]))).toBe(50);
    expect(progressPercent(opWith("create", "running", ["ok", "ok", "ok", "running"]))).toBe(75);
    expect(progressPercent(opWith("ci", "running", ["ok", "running"]))).toBe(50);
    expect(progressPercent(opWith("promote", "running", ["ok", "ok", "ok"]))).toBe(75);
    expect(progressPercent(opWith("rollback", "running", ["ok"]))).toBe(25);
  });

  it("does not count a failed step; at least 1 on error", () => {
    expect(progressPercent(opWith("create", "error", ["error"]))).toBe(1);
    expect(progressPercent(opWith("create", "error", ["ok", "ok", "error"]))).toBe(50);
    expect(progressPercent(opWith("ci", "error", ["ok", "error"]))).toBe(50);
    expect(progressPercent(opWith("deploy", "error", ["error"]))).toBe(1);
    expect(progressPercent(opWith("release", "error", []))).toBe(1);
  });
});

describe("basePayload (SPEC §5.2)", () => {
  it("carries the op fields, total_steps and an empty delivery for create", () => {
    const body = basePayload(opWith("create", "queued", []));
    expect(body).toMatchObject({
      op_id: "0123456789abcdef0123456789abcdef",
      project_id: "demo",
      kind: "create",
      status: "queued",
      total_steps: 4,
      delivery: {},
    });
    expect(body.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect("progress_percent" in body).toBe(false);
  });

  it("includes progress_percent once running and honours a status override", () => {
    const op = opWith("ci", "running", ["ok", "running"]);
    expect(basePayload(op).progress_percent).toBe(50);
    expect(basePayload(op).total_steps).toBe(2);
    expect(basePayload(op, "done").progress_percent).toBe(100);
    expect(basePayload(op, "done").status).toBe("done");
  });

  it("passes the delivery through", () => {
    const op = { ...opWith("deploy", "running", ["running"]), delivery: { stage: "deploy", environment: "dev" } };
    expect(basePayload(op).delivery).toEqual({ stage: "deploy", environment: "dev" });
    expect(basePayload(op).total_steps).toBe(1);
  });
});

describe("eventArtifacts (SPEC §5.2: artifacts ≤ 8)", () => {
  it("keeps at most the first 8 and omits an empty list", () => {
    const ten = Array.from({ length: 10 }, (_, i) => `build/f${i}`);
    expect(eventArtifacts(ten)).toEqual(ten.slice(0, 8));
    expect(eventArtifacts(["a"])).toEqual(["a"]);
    expect(eventArtifacts([])).toBeUndefined();
    expect(eventArtifacts(undefined)).toBeUndefined();
  });
});
