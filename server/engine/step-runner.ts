import { withRetries } from "./retry.js";
import { nanos } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { STREAMS } from "../broker/index.js";
import type { Operation, OpEventName, Stores, StoredOp, OpStep, StoredOpEvent, Versioned } from "../store/index.js";
import { EventTailMovedError, toOperation } from "../store/index.js";
import {
  StepError,
  type BuildContextServer,
  type StepContext,
  type StepResult,
  type StepSettings,
  type Worker,
  type WorkerName,
} from "../../workers/types.js";
import { nowIso, ZERO_TIME } from "../../workers/shared/ids.js";
import { join } from "node:path";
import { STEP_ORDER, consumerGroup, retryDelayMs, type WorkMessage } from "./steps.js";
import { publishWork } from "./enqueue.js";
import {
  emit,
  replaceProjectSpec,
  repairTerminal,
  settleProject,
  type EngineLogger,
  type EngineObserver,
} from "./lifecycle.js";
import { eventArtifacts, hintFor, type EventBody } from "./payloads.js";

export interface RunnerOptions {
  stores: Stores;
  js: JetStreamClient;
  jsm: JetStreamManager;
  workers: Worker[];
  settings: StepSettings;
  buildContexts: BuildContextServer;
  maxAttempts: number;
  workerConcurrency: number;
  buildConcurrency: number;
  stepDelayMs: number;
  log: EngineLogger;
  observer?: EngineObserver;
}

type Outcome = { ack: true } | { nakDelayMs: number };

const ACK_WAIT_MS = 30_000;
const IN_PROGRESS_EVERY_MS = 10_000;

/** Network-level failures count as transient even when a step did not classify them (SPEC §3.6). */
function looksTransient(err: unknown): boolean {
  const m = String((err as Error)?.message ?? err).toLowerCase();
  return /econnrefused|econnreset|etimedout|timed out|timeout|unavailable|disconnect|connection closed/.test(m);
}

/** Sort and dedupe artifact paths. */
export function normalizeArtifacts(list: string[]): string[] {
  return [...new Set(list.map((p) => p.replace(/^\/+/, "")))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** How long another delivery of a running step waits before it is looked at again. */
const DUPLICATE_REDELIVERY_MS = 5_000;

/**
 * Consumes PAAS_WORK with one durable pull consumer per worker group, runs steps with bounded
 * concurrency, and advances, retries or fails ops (SPEC §3, DESIGN §2–3).
 */
export class StepRunner {
  private readonly byName = new Map<WorkerName, Worker>();
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly inFlight = new Map<string, { promise: Promise<void>; abort: AbortController; msg: JsMsg }>();
  private stopping = false;

  constructor(private readonly o: RunnerOptions) {
    for (const w of o.workers) this.byName.set(w.name, w);
  }

  private concurrencyOf(worker: WorkerName): number {
    return worker === "imageBuilder" ? this.o.buildConcurrency : this.o.workerConcurrency;
  }

  /** Create the durable consumers and start consuming. */
  async start(): Promise<void> {
    const groups = new Map<string, { filter: string; concurrency: number }>();
    for (const w of this.byName.keys()) {
      const g = consumerGroup(w);
      groups.set(g.durable, { filter: g.filter, concurrency: this.concurrencyOf(w) });
    }
    for (const [durable, g] of groups) {
      const cfg = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(ACK_WAIT_MS),
        filter_subject: g.filter,
        max_ack_pending: g.concurrency,
        deliver_policy: DeliverPolicy.All,
      };
      try {
        await this.o.jsm.consumers.info(STREAMS.work, durable);
        await this.o.jsm.consumers.update(STREAMS.work, durable, {
          ack_wait: cfg.ack_wait,
          max_ack_pending: cfg.max_ack_pending,
        });
      } catch {
        await this.o.jsm.consumers.add(STREAMS.work, cfg);
      }
      const consumer = await this.o.js.consumers.get(STREAMS.work, durable);
      const messages = await consumer.consume({ max_messages: g.concurrency });
      this.subscriptions.push(messages);
      void this.loop(messages, g.concurrency);
    }
  }

  private async loop(messages: ConsumerMessages, concurrency: number): Promise<void> {
    const running = new Set<Promise<void>>();
    for await (const m of messages) {
      if (this.stopping) {
        m.nak();
        continue;
      }
      // max_ack_pending bounds this server-side; the local bound guards against redelivery overlap.
      while (running.size >= concurrency) await Promise.race(running);
      const p = this.handle(m).finally(() => running.delete(p));
      running.add(p);
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    let work: WorkMessage;
    try {
      work = m.json<WorkMessage>();
    } catch {
      m.term();
      return;
    }
    const key = `${work.op_id}.${work.step}`;
    if (this.inFlight.has(key)) {
      // Another delivery of a step this process is running (re-published at start, or the same message handed out
      // again after a nats-server restart): the running copy decides. Never ack it: on a work-queue stream an ack
      // removes the message, so a retry the running copy asks for with its nak would be lost and the op stuck
      // (chaos R1). Hand it back for later instead; by then the step has ended (the redelivery just advances) or is
      // being retried.
      m.nak(DUPLICATE_REDELIVERY_MS);
      return;
    }
    const abort = new AbortController();
    const heartbeat = setInterval(() => m.working(), IN_PROGRESS_EVERY_MS);
    const promise = (async () => {
      try {
        const outcome = await this.runStep(work, m.info.deliveryCount, abort.signal);
        if ("ack" in outcome) m.ack();
        else m.nak(outcome.nakDelayMs);
      } catch (err) {
        // Infrastructure trouble (NATS unavailable…): let the message come back.
        this.o.log.warn(
          { op_id: work.op_id, step: work.step, err: (err as Error).message },
          "step handling failed; will redeliver",
        );
        if (!abort.signal.aborted) m.nak(1000);
      } finally {
        clearInterval(heartbeat);
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, { promise, abort, msg: m });
    await promise;
  }

  private async runStep(work: WorkMessage, attempt: number, signal: AbortSignal): Promise<Outcome> {
    const { stores, maxAttempts } = this.o;
    const cur = await stores.ops.get(work.op_id);
    if (!cur) return { ack: true };
    let op = cur.value;
    // The op record as last read or written here: its next CAS starts from it instead of reading it again.
    let version: Versioned<StoredOp> | undefined = cur;
    if (op.status === "done" || op.status === "error") {
      // A crash may have cut the end of the op short: finish its events (nothing is sent twice).
      if (op.steps.length > 0) await this.finishStep(op, op.steps.length - 1);
      else await repairTerminal(stores, op);
      return { ack: true };
    }
    const order = STEP_ORDER[op.kind];
    const idx = order.indexOf(work.step);
    if (idx < 0 || op.steps.length < idx || op.steps.length > idx + 1) return { ack: true };
    const existing = op.steps[idx] as OpStep | undefined;
    if (existing && existing.ended_at !== ZERO_TIME && !existing.error) {
      // Redelivered work for a step that already ended: complete its events if a crash cut them off, then
      // advance (SPEC §3.6).
      await this.finishStep(op, idx);
      return { ack: true };
    }
    const worker = this.byName.get(work.step);
    if (!worker) return { ack: true };

    if (attempt > maxAttempts) {
      await this.failStep(
        op,
        idx,
        worker,
        `worker delivery exhausted retries worker=${work.step} op=${op.id} attempts=${attempt - 1} reason=worker did not finish within its ack wait`,
        0,
      );
      return { ack: true };
    }

    if (!existing) {
      // After a restart this step's work is re-published as soon as the previous step is recorded as ended, even
      // when the crash cut that step's end events short: complete them before this step reports anything.
      if (idx > 0 && op.steps[idx - 1].ended_at !== ZERO_TIME) await this.emitStepEnd(op, idx - 1);
      const started = await this.startStep(op, idx, worker, version);
      op = started.value;
      version = started.version;
    } else {
      // Re-running a started step: a crash between startStep's CAS and its events leaves them missing.
      await this.emitStepStart(op, idx, worker);
    }

    if (this.o.stepDelayMs > 0) await abortableSleep(this.o.stepDelayMs, signal);
    if (signal.aborted) return { nakDelayMs: 0 };

    const ctx = this.context(op, worker, attempt, signal);
    const t0 = performance.now();
    let result: StepResult;
    try {
      result = await worker.run(ctx);
    } catch (err) {
      if (signal.aborted) return { nakDelayMs: 0 };
      const reason = (err as Error)?.message ?? String(err);
      const transient = err instanceof StepError ? err.transient : looksTransient(err);
      if (transient && attempt < maxAttempts) {
        this.o.observer?.stepEnded?.(op, worker.name, "retry", (performance.now() - t0) / 1000);
        await emit(stores, "step.progress", toOperation(op), {
          worker: worker.name,
          step_index: idx + 1,
          message: `retrying after transient failure (attempt ${attempt + 1}/${maxAttempts}): ${reason}`,
        });
        return { nakDelayMs: retryDelayMs(attempt) };
      }
      this.o.observer?.stepEnded?.(op, worker.name, "error", (performance.now() - t0) / 1000);
      const message = transient
        ? `worker delivery exhausted retries worker=${worker.name} op=${op.id} attempts=${attempt} reason=${reason}`
        : reason;
      this.o.log.warn({ op_id: op.id, worker: worker.name, err: message }, "step failed");
      const artifacts = err instanceof StepError ? normalizeArtifacts(err.artifacts) : [];
      await withRetries(() => this.failStep(op, idx, worker, message, Math.round(performance.now() - t0), artifacts));
      return { ack: true };
    }
    // The work is done: recording it is retried on its own, so a broker hiccup never runs the step again.
    this.o.observer?.stepEnded?.(op, worker.name, "ok", (performance.now() - t0) / 1000);
    const durationMs = Math.round(performance.now() - t0);
    await withRetries(async () => {
      if (result.projectSpec) await replaceProjectSpec(stores, op, result.projectSpec);
      const known = version;
      version = undefined; // a retry reads the record afresh
      await this.completeStep(op, idx, result.message, normalizeArtifacts(result.artifacts), durationMs, known);
    });
    return { ack: true };
  }

  private context(op: StoredOp, worker: Worker, attempt: number, signal: AbortSignal): StepContext {
    const { stores, settings } = this.o;
    const { spec, ...input } = op.input;
    return {
      projectId: op.project_id,
      spec,
      opId: op.id,
      opKind: op.kind,
      input: input as Record<string, unknown>,
      worker: worker.name,
      attempt,
      projectDir: join(settings.artifactsRoot, op.project_id),
      settings,
      releases: stores.releases,
      secrets: stores.secrets,
      buildContexts: this.o.buildContexts,
      log: this.o.log,
      signal,
      emit: async (p) => {
        await emit(stores, "step.progress", toOperation(op), {
          worker: worker.name,
          step_index: STEP_ORDER[op.kind].indexOf(worker.name) + 1,
          message: p.message,
          ...(p.cached ? { cached: true } : {}),
          ...(p.completed ? { completed: true } : {}),
          ...(p.error ? { error: p.error } : {}),
        });
      },
    };
  }

  private async startStep(
    op: StoredOp,
    idx: number,
    worker: Worker,
    known?: Versioned<StoredOp>,
  ): Promise<{ value: StoredOp; version?: Versioned<StoredOp> }> {
    const wasQueued = op.status === "queued";
    const message = worker.startMessage({
      opKind: op.kind,
      settings: this.o.settings,
      input: op.input as unknown as Record<string, unknown>,
    });
    const updated = await this.o.stores.ops.mutate(
      op.id,
      (o) => {
        if (o.steps.length !== idx) return undefined;
        return {
          ...o,
          status: "running",
          steps: [...o.steps, { worker: worker.name, started_at: nowIso(), ended_at: ZERO_TIME, message }],
        };
      },
      known,
    );
    const next = updated?.value ?? op;
    const view = toOperation(next);
    if (wasQueued) {
      await emit(this.o.stores, "op.status", view, { message: "operation started" });
      this.o.observer?.opStatus?.(next);
    }
    await emit(this.o.stores, "step.started", view, { worker: worker.name, step_index: idx + 1, message });
    return { value: next, version: updated ?? undefined };
  }

  /** Emit what is missing of a started step's first events (`op.status` running for the first step, `step.started`). */
  private async emitStepStart(op: StoredOp, idx: number, worker: Worker): Promise<void> {
    const view = toOperation(op);
    const planned: PlannedEvent[] = [];
    if (idx === 0) planned.push({ name: "op.status", fields: { message: "operation started" }, view });
    planned.push({
      name: "step.started",
      fields: { worker: worker.name, step_index: idx + 1, message: op.steps[idx].message },
      view,
    });
    await this.emitMissing(op.id, planned, (stored) => {
      if (!stored) return 0;
      // Any event of this step (or a later one) follows its step.started.
      if ((stored.payload.step_index ?? 0) >= idx + 1) return planned.length;
      if (idx === 0 && stored.name === "op.status" && stored.payload.status === "running") return 1;
      return 0;
    });
  }

  private async completeStep(
    op: StoredOp,
    idx: number,
    message: string,
    artifacts: string[],
    durationMs: number,
    known?: Versioned<StoredOp>,
  ): Promise<void> {
    const last = idx === STEP_ORDER[op.kind].length - 1;
    const updated = await this.o.stores.ops.mutate(
      op.id,
      (o) => {
        const steps = [...o.steps];
        const s = steps[idx];
        if (!s || s.ended_at !== ZERO_TIME) return undefined; // already recorded by an earlier attempt
        steps[idx] = { ...s, ended_at: nowIso(), message, ...(artifacts.length ? { artifacts } : {}) };
        return last ? { ...o, steps, status: "done", finished: nowIso() } : { ...o, steps };
      },
      known,
    );
    if (!updated) return;
    await this.finishStep(updated.value, idx, durationMs);
  }

  /**
   * Emit whatever is still missing of a recorded step end — step.ended, step.artifacts, and for the last step
   * or a failure the terminal events — settle the project, then hand the next step its work. Safe to call
   * again after a crash or a failed publish: events already stored are not sent twice.
   */
  private async finishStep(after: StoredOp, idx: number, durationMs = 0): Promise<void> {
    const failed = after.status === "error" && Boolean(after.steps[idx].error);
    const lastStep = idx === STEP_ORDER[after.kind].length - 1;
    const settled = await this.emitStepEnd(after, idx, durationMs);
    if (failed || lastStep) {
      if (!settled) await settleProject(this.o.stores, after);
      this.o.observer?.opStatus?.(after);
    } else {
      await this.advance(after, idx);
    }
  }

  /**
   * The events of a recorded step end that are not stored yet (the project is settled just before a terminal
   * event); returns whether it settled the project.
   */
  private async emitStepEnd(after: StoredOp, idx: number, durationMs = 0): Promise<boolean> {
    const stores = this.o.stores;
    const step = after.steps[idx];
    const view = toOperation(after);
    const failed = after.status === "error" && Boolean(step.error);
    const lastStep = idx === STEP_ORDER[after.kind].length - 1;
    const stepFields = {
      worker: step.worker,
      step_index: idx + 1,
      message: step.message,
      ...(step.error ? { error: step.error, hint: hintFor(step.error) } : {}),
      duration_ms: durationMs || Math.max(0, Date.parse(step.ended_at) - Date.parse(step.started_at)),
      artifacts: eventArtifacts(step.artifacts),
    };
    // Step events carry the running status on success; the op's terminal status follows in its own events.
    const stepView = failed ? view : { ...view, status: "running" as const };
    const planned: PlannedEvent[] = [];
    if (failed)
      planned.push({ name: "op.status", fields: { message: "operation status updated", error: after.error }, view });
    planned.push({ name: "step.ended", fields: stepFields, view: stepView });
    if (step.artifacts?.length) planned.push({ name: "step.artifacts", fields: stepFields, view: stepView });
    const terminalFrom = planned.length;
    if (failed) {
      planned.push({
        name: "op.failed",
        fields: { message: "operation failed", error: after.error, hint: hintFor(after.error ?? "") },
        view,
      });
    } else if (lastStep) {
      planned.push({ name: "op.status", fields: { message: "operation status updated" }, view });
      planned.push({ name: "op.completed", fields: { message: "operation completed", progress_percent: 100 }, view });
    }
    let settled = false;
    await this.emitMissing(
      after.id,
      planned,
      (stored) => resumeIndex(planned, stored, failed, step.worker, idx),
      terminalFrom,
      async () => {
        // Settle the project first, so a client that sees the terminal event reads the final project state.
        if (settled) return;
        await settleProject(stores, after);
        settled = true;
      },
    );
    return settled;
  }

  /**
   * Publish `planned[from…]`, where `from = decide(the op's last stored event)`. Events of one op are only published
   * by the handler of its step, so the last event tells where an earlier attempt stopped. The publisher's in-memory
   * tail answers without a round trip when this process published it; the first event is then published on
   * condition that the tail is still there, so when another writer appended meanwhile (a redelivery elsewhere) the
   * decision is made again from the stream. `beforeTerminal` runs before the first event at `terminalFrom` or later.
   */
  private async emitMissing(
    opId: string,
    planned: PlannedEvent[],
    decide: (stored: StoredOpEvent | null) => number,
    terminalFrom = planned.length,
    beforeTerminal?: () => Promise<void>,
  ): Promise<void> {
    const events = this.o.stores.events;
    let stored = await events.cachedLast(opId);
    if (stored === undefined) stored = await events.last(opId);
    for (let attempt = 0; ; attempt++) {
      const from = decide(stored);
      try {
        for (let i = from; i < planned.length; i++) {
          if (i >= terminalFrom) await beforeTerminal?.();
          const opts = i === from ? { ifLastStreamSeq: stored?.streamSeq ?? 0 } : undefined;
          await emit(this.o.stores, planned[i].name, planned[i].view, planned[i].fields, opts);
        }
        return;
      } catch (err) {
        if (!(err instanceof EventTailMovedError) || attempt >= 10) throw err;
        stored = await events.last(opId);
      }
    }
  }

  private async failStep(
    op: StoredOp,
    idx: number,
    worker: Worker,
    error: string,
    durationMs: number,
    artifacts: string[] = [],
  ): Promise<void> {
    const updated = await this.o.stores.ops.mutate(op.id, (o) => {
      if (o.status === "done" || o.status === "error") return undefined;
      const steps = [...o.steps];
      const now = nowIso();
      const s = steps[idx] ?? {
        worker: worker.name,
        started_at: now,
        ended_at: ZERO_TIME,
        message: worker.startMessage({
          opKind: o.kind,
          settings: this.o.settings,
          input: o.input as unknown as Record<string, unknown>,
        }),
      };
      steps[idx] = { ...s, ended_at: now, error, ...(artifacts.length ? { artifacts } : {}) };
      return { ...o, steps, status: "error", error, finished: now };
    });
    const after = updated?.value ?? (await this.o.stores.ops.get(op.id))?.value;
    if (after && after.status === "error" && after.steps[idx]) await this.finishStep(after, idx, durationMs);
  }

  /** Publish the work of the step after `idx` (deduplicated by message id). */
  private async advance(op: StoredOp, idx: number): Promise<void> {
    const order = STEP_ORDER[op.kind];
    if (idx + 1 < order.length) await publishWork(this.o.js, op, order[idx + 1]);
  }

  /** Stop consuming; let running steps finish for up to `graceMs`, then abort them for redelivery. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const s of this.subscriptions) await s.close().catch(() => undefined);
    const pending = [...this.inFlight.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)));
    const finished = await Promise.race([Promise.all(pending.map((p) => p.promise)).then(() => false), timedOut]);
    clearTimeout(timer);
    if (finished) {
      for (const p of this.inFlight.values()) {
        p.abort.abort();
        p.msg.nak();
      }
    }
  }
}

type PlannedEvent = { name: OpEventName; fields: Partial<EventBody>; view: Operation };

/** The first of a step end's planned events that is not stored yet, judged from the op's last stored event. */
function resumeIndex(
  planned: PlannedEvent[],
  stored: StoredOpEvent | null,
  failed: boolean,
  worker: string,
  idx: number,
): number {
  if (!stored) return 0;
  const at = planned.findIndex((p, i) => {
    if (p.name !== stored.name) return false;
    if (p.name === "op.status") return stored.payload.status === (i === 0 && failed ? "error" : "done");
    if (p.name === "step.ended" || p.name === "step.artifacts") return stored.payload.worker === worker;
    return true;
  });
  if (at >= 0) return at + 1;
  // A later step already reported: this step's events are all out.
  if ((stored.payload.step_index ?? 0) > idx + 1) return planned.length;
  return 0;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The step that an active op is at: re-published at start so queued/running work resumes (SPEC §3.7). */
export function currentStep(op: StoredOp): WorkerName | null {
  const order = STEP_ORDER[op.kind];
  if (op.steps.length === 0) return order[0];
  const last = op.steps[op.steps.length - 1];
  if (last.ended_at === ZERO_TIME) return order[op.steps.length - 1];
  return order[op.steps.length] ?? null;
}
