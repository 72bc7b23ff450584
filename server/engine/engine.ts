import type { Stores } from "../store/index.js";
import { Enqueuer, publishWork } from "./enqueue.js";
import { StepRunner, currentStep, type RunnerOptions } from "./step-runner.js";
import { CiTrigger } from "./ci-trigger.js";

/** The operation engine: accepts ops, runs their steps, and resumes unfinished work at start. */
export class Engine {
  readonly enqueuer: Enqueuer;
  readonly ci: CiTrigger;
  private readonly runner: StepRunner;

  constructor(private readonly o: RunnerOptions) {
    this.enqueuer = new Enqueuer(o.stores, o.js, o.log, o.observer);
    this.runner = new StepRunner(o);
    this.ci = new CiTrigger(o.stores, this.enqueuer);
  }

  /** Backfill op indexes, re-publish the current step of every queued/running op, then start consuming. */
  async start(): Promise<{ resumed: number; backfilled: number }> {
    const ops = await this.o.stores.ops.scan(5000);
    // A deleted project's ops stay readable but must not come back into a (re-created) project's index.
    const existing = new Set((await this.o.stores.projects.list()).map((p) => p.id));
    const backfilled = await this.o.stores.ops.backfillIndexes(ops.filter((op) => existing.has(op.project_id)));
    let resumed = 0;
    for (const op of ops) {
      if (op.status !== "queued" && op.status !== "running") continue;
      const step = currentStep(op);
      if (!step) continue;
      await publishWork(this.o.js, op, step);
      resumed++;
    }
    await this.runner.start();
    return { resumed, backfilled };
  }

  stop(graceMs?: number): Promise<void> {
    return this.runner.stop(graceMs);
  }

  get stores(): Stores {
    return this.o.stores;
  }
}
