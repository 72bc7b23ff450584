import type { OpKind, WorkerName } from "../../workers/types.js";

const REGISTRATION: WorkerName[] = ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"];
const PROMOTER: WorkerName[] = ["promoter.plan", "promoter.render", "promoter.commit", "promoter.finalize"];

/** Step order per op kind (SPEC §3.1). */
export const STEP_ORDER: Record<OpKind, WorkerName[]> = {
  create: REGISTRATION,
  update: REGISTRATION,
  delete: REGISTRATION,
  ci: ["imageBuilder", "manifestRenderer"],
  deploy: ["deployer"],
  promote: PROMOTER,
  release: PROMOTER,
  rollback: PROMOTER,
};

/** The work subject of a step: `paas.work.<worker>` (promoter steps nest as `paas.work.promoter.<x>`). */
export function workSubject(worker: WorkerName): string {
  return `paas.work.${worker}`;
}

/** Durable consumer groups on PAAS_WORK (SPEC §3.7). */
export function consumerGroup(worker: WorkerName): { durable: string; filter: string } {
  if (worker.startsWith("promoter.")) return { durable: "worker_promoter", filter: "paas.work.promoter.>" };
  return { durable: `worker_${worker}`, filter: workSubject(worker) };
}

/** The message published on PAAS_WORK for one step. */
export interface WorkMessage {
  op_id: string;
  project_id: string;
  kind: OpKind;
  step: WorkerName;
  enqueued_at: string;
}

/** Retry delay after attempt k: min(30 s, 1 s × 2^(k-1)) × uniform(0.8, 1.2) (SPEC §3.6). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
