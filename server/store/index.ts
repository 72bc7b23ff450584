import type { NatsConnection } from "@nats-io/nats-core";
import type { JetStreamHandles } from "../broker/index.js";
import { ProjectStore } from "./projects.js";
import { OpStore } from "./ops.js";
import { OpEventStore } from "./op-events.js";
import { ReleaseStore } from "./releases.js";
import { WebhookSecrets } from "./secrets.js";
import { listKeys } from "./kv-json.js";
import { CommitStore, DeliveryStore } from "./commits.js";
import { JetStreamPublisher } from "./js-publisher.js";

export { ProjectStore } from "./projects.js";
export { OpStore } from "./ops.js";
export { OpEventStore, EventTailMovedError, TERMINAL_EVENTS, eventSubject } from "./op-events.js";
export type { OpEventCounters, PublishOptions } from "./op-events.js";
export { ReleaseStore, normalizeRelease } from "./releases.js";
export { WebhookSecrets } from "./secrets.js";
export { CommitStore, DeliveryStore, commitKey } from "./commits.js";
export { JetStreamPublisher, PublishError } from "./js-publisher.js";
export type { CommitEntry, CommitStatus } from "./commits.js";
export { RevisionConflictError, casUpdate, getJson } from "./kv-json.js";
export type { Versioned } from "./kv-json.js";
export * from "./types.js";

/** Every typed repository over JetStream, built once by the composition root. */
export interface Stores {
  projects: ProjectStore;
  ops: OpStore;
  events: OpEventStore;
  releases: ReleaseStore;
  secrets: WebhookSecrets;
  commits: CommitStore;
  deliveries: DeliveryStore;
  /** Remove every per-project record a delete leaves behind (SPEC §3.7); op and release records stay. */
  forgetProject(projectId: string): Promise<void>;
  /** Load and follow the in-memory mirrors (project list, commit dedupe). */
  startCaches(): Promise<void>;
  stopCaches(): void;
}

/** Build the stores over provisioned JetStream handles. */
export function createStores(
  nc: NatsConnection,
  h: JetStreamHandles,
  log: { warn(obj: object, msg?: string): void } = { warn() {} },
): Stores {
  const projects = new ProjectStore(h.kv.projects, log);
  const ops = new OpStore(h.kv.ops);
  const releases = new ReleaseStore(h.kv.releases);
  const secrets = new WebhookSecrets(h.kv.secrets, log);
  const commits = new CommitStore(h.kv.commits, Date.now, log);
  const deliveries = new DeliveryStore(h.kv.deliveries, log, { publisher: new JetStreamPublisher(nc) });
  return {
    projects,
    ops,
    events: new OpEventStore(nc, h.js, h.jsm),
    releases,
    secrets,
    commits,
    deliveries,
    async forgetProject(projectId) {
      await ops.deleteIndex(projectId);
      await releases.forgetProject(projectId);
      for (const k of await listKeys(h.kv.commits, `${projectId}.>`)) await h.kv.commits.purge(k);
      await secrets.delete(projectId);
      await projects.delete(projectId);
    },
    async startCaches() {
      await Promise.all([
        projects.cache.start(),
        commits.cache.start(),
        secrets.cache.start(),
        deliveries.cache.start(),
      ]);
    },
    stopCaches() {
      projects.cache.stop();
      commits.cache.stop();
      secrets.cache.stop();
      deliveries.cache.stop();
    },
  };
}
