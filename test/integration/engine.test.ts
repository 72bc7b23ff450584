// The operation engine against a real nats-server, with step implementations written for the test: retries,
// exhausted attempts, permanent failures, and parallelism across projects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { provisionJetStream, type JetStreamHandles } from "../../server/broker/index.js";
import {
  createStores,
  OpEventStore,
  type OpEventCounters,
  type Stores,
  type StoredOp,
} from "../../server/store/index.js";
import { Engine, basePayload, currentStep, publishWork, STEP_ORDER } from "../../server/engine/index.js";
import { newId32, nowIso, ZERO_TIME } from "../../workers/shared/ids.js";
import { StepError, TransientStepError, type StepContext, type Worker, type WorkerName } from "../../workers/types.js";
import type { ProjectSpec } from "../../workers/shared/spec-types.js";
import { quiet, startTestBroker, type TestBroker } from "../support/nats.js";

const SPEC: ProjectSpec = {
  apiVersion: "platform.example.com/v2",
  kind: "App",
  name: "engine-app",
  runtime: "go_1.26",
  environments: { dev: { vars: {} } },
  networkPolicies: { ingress: "internal", egress: "internal" },
};

let dir: string;
let broker: TestBroker;
let nc: NatsConnection;
let handles: JetStreamHandles;
let stores: Stores;
let engine: Engine;

/** What each step does, keyed by project id; default: succeed at once. */
const behaviour = new Map<string, (ctx: StepContext) => Promise<void>>();
const calls: { project: string; worker: string; attempt: number }[] = [];

function worker(name: WorkerName): Worker {
  return {
    name,
    startMessage: () => `start ${name}`,
    async run(ctx) {
      calls.push({ project: ctx.projectId, worker: name, attempt: ctx.attempt });
      await behaviour.get(`${ctx.projectId}:${name}`)?.(ctx);
      return { message: `end ${name}`, artifacts: [`${name}.txt`] };
    },
  };
}

beforeAll(async () => {
  broker = await startTestBroker("engine");
  dir = broker.dir;
  nc = await connect({ servers: broker.url });
  handles = await provisionJetStream(nc, 1);
  stores = createStores(nc, handles);
  engine = new Engine({
    stores,
    js: handles.js,
    jsm: handles.jsm,
    workers: (["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"] as WorkerName[]).map(worker),
    settings: {
      artifactsRoot: join(dir, "artifacts"),
      localApiBaseUrl: "http://127.0.0.1:1",
      builder: { requested: "artifact", effective: "artifact", explicit: true },
      buildBaseImage: "alpine:3.20",
      buildTimeoutMs: 120_000,
    },
    maxAttempts: 3,
    workerConcurrency: 4,
    buildConcurrency: 2,
    stepDelayMs: 0,
    buildContexts: { serve: () => ({ url: "http://127.0.0.1:1/none", revoke() {} }) },
    log: quiet,
  });
  await engine.start();
});

afterAll(async () => {
  await engine?.stop(1000);
  await nc?.drain();
  await broker?.stop();
});

const input = { spec: SPEC, request_id: "t", remote_addr: "", actor: "anonymous" };

/** Resolve when the op's terminal event is stored (waits on event notifications, not timers). */
async function terminal(opId: string): Promise<StoredOp> {
  await new Promise<void>((resolve) => {
    const check = async () => {
      const last = await stores.events.last(opId);
      if (last && (last.name === "op.completed" || last.name === "op.failed")) {
        sub.unsubscribe();
        resolve();
      }
    };
    const sub = stores.events.watch(opId, () => void check());
    void check();
  });
  return (await stores.ops.get(opId))!.value;
}

/** Every stored event of the op once its terminal event is stored (reads with next_by_subj, not `last()`). */
async function terminalEvents(opId: string) {
  return new Promise<Awaited<ReturnType<Stores["events"]["all"]>>>((resolve, reject) => {
    let done = false;
    const check = async () => {
      const all = await stores.events.all(opId);
      const last = all[all.length - 1];
      if (!done && last && (last.name === "op.completed" || last.name === "op.failed")) {
        done = true;
        sub.unsubscribe();
        resolve(all);
      }
    };
    const sub = stores.events.watch(opId, () => void check().catch(reject));
    void check().catch(reject);
  });
}

describe("operation engine on a real broker", () => {
  it("retries a transient failure with a progress notice, then succeeds", async () => {
    let failures = 0;
    behaviour.set("flaky:imageBuilder", async () => {
      if (failures++ < 1) throw new TransientStepError("daemon unavailable");
    });
    const { op } = await engine.enqueuer.create("flaky", SPEC, input);
    const done = await terminal(op.id);
    expect(done.status).toBe("done");
    expect(calls.filter((c) => c.project === "flaky" && c.worker === "imageBuilder").map((c) => c.attempt)).toEqual([
      1, 2,
    ]);
    const events = await stores.events.all(op.id);
    const retry = events.find((e) => e.name === "step.progress")!;
    expect(retry.payload.message).toBe("retrying after transient failure (attempt 2/3): daemon unavailable");
    // The retried step did not start twice.
    expect(events.filter((e) => e.name === "step.started")).toHaveLength(4);
    expect(events.map((e) => e.payload.sequence)).toEqual(events.map((_, i) => i + 1));
  });

  it("fails the op with the exhausted-retries message after the last attempt", async () => {
    behaviour.set("down:repoBootstrap", async () => {
      throw new TransientStepError("connection reset");
    });
    const { op } = await engine.enqueuer.create("down", SPEC, input);
    const failed = await terminal(op.id);
    expect(failed.status).toBe("error");
    expect(failed.error).toBe(
      `worker delivery exhausted retries worker=repoBootstrap op=${op.id} attempts=3 reason=connection reset`,
    );
    expect(failed.steps).toHaveLength(2);
    expect(failed.steps[1].error).toBe(failed.error);
    const project = (await stores.projects.get("down"))!.value;
    expect(project.status).toMatchObject({ phase: "Error", message: failed.error });
    const names = (await stores.events.all(op.id)).map((e) => e.name);
    expect(names.slice(-3)).toEqual(["op.status", "step.ended", "op.failed"]);
  });

  it("fails at once on a permanent error and never starts later steps", async () => {
    behaviour.set("broken:registrar", async () => {
      throw new StepError("invalid input");
    });
    const { op } = await engine.enqueuer.create("broken", SPEC, input);
    const failed = await terminal(op.id);
    expect(failed.error).toBe("invalid input");
    expect(calls.filter((c) => c.project === "broken").map((c) => c.worker)).toEqual(["registrar"]);
    const last = (await stores.events.last(op.id))!;
    expect(last.payload).toMatchObject({ status: "error", error: "invalid input", progress_percent: 1 });
    expect(last.payload.hint).toBe("Inspect artifacts and step details, then retry when inputs are corrected.");
    // A later successful op returns the project to Ready.
    behaviour.delete("broken:registrar");
    const again = await engine.enqueuer.submit({
      kind: "update",
      projectId: "broken",
      queuedMessage: "queued",
      newSpec: SPEC,
      input,
    });
    expect((await terminal(again.op.id)).status).toBe("done");
    expect((await stores.projects.get("broken"))!.value.status.phase).toBe("Ready");
  });

  it("runs steps of different projects in parallel", async () => {
    // Each registrar step waits until three are running at once: only parallel execution can finish.
    let running = 0;
    let release!: () => void;
    const allIn = new Promise<void>((r) => (release = r));
    for (const p of ["par-a", "par-b", "par-c"]) {
      behaviour.set(`${p}:registrar`, async () => {
        running++;
        if (running === 3) release();
        await allIn;
      });
    }
    const ops = await Promise.all(["par-a", "par-b", "par-c"].map((p) => engine.enqueuer.create(p, SPEC, input)));
    const results = await Promise.all(ops.map((o) => terminal(o.op.id)));
    expect(results.map((r) => r.status)).toEqual(["done", "done", "done"]);
  });
  it("publishes a step's concurrent progress events and the op's step ends without conflicts or tail reads", async () => {
    behaviour.set("chatty:imageBuilder", async (ctx) => {
      // Like the BuildKit build: every vertex change is emitted without waiting for the one before.
      await Promise.all(Array.from({ length: 40 }, (_, i) => ctx.emit({ message: `vertex ${i}` })));
    });
    const before: OpEventCounters = { ...stores.events.counters };
    const { op } = await engine.enqueuer.create("chatty", SPEC, input);
    const events = await terminalEvents(op.id);
    // 17 events of a create (SPEC §5.3) + 40 progress events, numbered 1..57 without gap or duplicate.
    expect(events.map((e) => e.payload.sequence)).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(events.filter((e) => e.name === "step.progress").map((e) => e.payload.message)).toEqual(
      Array.from({ length: 40 }, (_, i) => `vertex ${i}`),
    );
    // One publish per event; the step ends were resumed from the in-memory tail, not read back.
    const after = stores.events.counters;
    expect(after.published - before.published).toBe(57);
    expect(after.conflicts - before.conflicts).toBe(0);
    expect(after.tailReads - before.tailReads).toBe(0);
  });

  it("re-reads the stream when another writer appended to the op: no step event is published twice", async () => {
    const other = new OpEventStore(nc, handles.js, handles.jsm); // its own tail cache, as another process has
    behaviour.set("foreign:manifestRenderer", async (ctx) => {
      // Another writer (a redelivery on another replica) already reported this step's end.
      await other.publish("step.ended", {
        op_id: ctx.opId,
        project_id: ctx.projectId,
        kind: ctx.opKind,
        status: "running",
        at: new Date().toISOString(),
        worker: "manifestRenderer",
        step_index: 4,
        total_steps: 4,
        message: "end manifestRenderer",
        delivery: {},
      });
    });
    const before = { ...stores.events.counters };
    const { op } = await engine.enqueuer.create("foreign", SPEC, input);
    const events = await terminalEvents(op.id);
    expect(events.map((e) => e.payload.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.name === "step.ended" && e.payload.worker === "manifestRenderer")).toHaveLength(1);
    expect(events.slice(-4).map((e) => e.name)).toEqual(["step.ended", "step.artifacts", "op.status", "op.completed"]);
    // The runner's cached tail was refused once by the server, then it resumed from what the stream holds.
    expect(stores.events.counters.conflicts - before.conflicts).toBe(1);
  });
  /**
   * The state a kill -9 leaves: the op record holds `steps`, the stream the events `names` (published by the dead
   * process, here through a store of its own). Then the restart's re-publish of the op's current step.
   */
  async function afterCrash(projectId: string, steps: StoredOp["steps"], names: [string, WorkerName?][]) {
    const now = nowIso();
    const op: StoredOp = {
      id: newId32(),
      kind: "create",
      project_id: projectId,
      requested: now,
      finished: ZERO_TIME,
      status: "running",
      steps,
      input,
    };
    await stores.ops.create(op);
    await stores.projects.create({
      id: projectId,
      created_at: now,
      updated_at: now,
      spec: SPEC,
      status: { phase: "Reconciling", updated_at: now, last_op_id: op.id, last_op_kind: "create", message: "queued" },
    });
    const dead = new OpEventStore(nc, handles.js, handles.jsm);
    for (const [i, [name, worker]] of names.entries()) {
      const queued = i < 2; // op.bootstrap and the first op.status
      await dead.publish(name as "op.status", {
        ...basePayload({ ...op, steps: [] }, queued ? "queued" : "running"),
        ...(worker ? { worker, step_index: STEP_ORDER.create.indexOf(worker) + 1 } : {}),
        message: name,
      });
    }
    await publishWork(handles.js, op, currentStep(op)!);
    return op;
  }

  const step = (worker: WorkerName, ended: boolean) => ({
    worker,
    started_at: nowIso(),
    ended_at: ended ? nowIso() : ZERO_TIME,
    message: ended ? `end ${worker}` : `start ${worker}`,
    ...(ended ? { artifacts: [`${worker}.txt`] } : {}),
  });
  const CREATE = [
    "op.bootstrap",
    "op.status",
    "op.status",
    ...(["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"] as const).flatMap((w) => [
      `step.started ${w}`,
      `step.ended ${w}`,
      `step.artifacts ${w}`,
    ]),
    "op.status",
    "op.completed",
  ];
  const named = (events: Awaited<ReturnType<typeof terminalEvents>>) =>
    events.map((e) => (e.payload.worker ? `${e.name} ${e.payload.worker}` : e.name));

  it("completes a step's end events cut short by a crash before the next step (re-published at restart) starts", async () => {
    // Killed after step.ended of registrar: its step.artifacts is missing, and the restart re-publishes repoBootstrap.
    const op = await afterCrash(
      "cut-end",
      [step("registrar", true)],
      [["op.bootstrap"], ["op.status"], ["op.status"], ["step.started", "registrar"], ["step.ended", "registrar"]],
    );
    const events = await terminalEvents(op.id);
    expect(named(events)).toEqual(CREATE);
    expect(events.map((e) => e.payload.sequence)).toEqual(events.map((_, i) => i + 1));
  });

  it("emits the step.started a crash cut off between the step's start CAS and its events", async () => {
    // Killed right after the op record said registrar started: op.status running is out, step.started is not.
    const op = await afterCrash(
      "cut-start",
      [step("registrar", false)],
      [["op.bootstrap"], ["op.status"], ["op.status"]],
    );
    const events = await terminalEvents(op.id);
    expect(named(events)).toEqual(CREATE);
    expect(events.map((e) => e.payload.sequence)).toEqual(events.map((_, i) => i + 1));
  });
});
