import { nanos, type NatsConnection } from "@nats-io/nats-core";
import {
  jetstream,
  jetstreamManager,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";

export const BUCKETS = {
  projects: "paas_projects",
  ops: "paas_ops",
  releases: "paas_releases",
  commits: "paas_commits",
  secrets: "paas_secrets",
  deliveries: "paas_webhook_deliveries",
} as const;

export const STREAMS = { work: "PAAS_WORK", events: "PAAS_EVENTS", audit: "PAAS_AUDIT" } as const;

export type BucketName = keyof typeof BUCKETS;
export type Buckets = Record<BucketName, KV>;

const DAY_MS = 24 * 3_600_000;
const GIB = 1024 * 1024 * 1024;

const BUCKET_HISTORY: Record<BucketName, number> = {
  projects: 25,
  ops: 50,
  releases: 10,
  commits: 5,
  secrets: 1,
  deliveries: 1,
};

/** Stream definitions of SPEC §3.7. */
export function streamConfigs(replicas: number): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: STREAMS.work,
      subjects: ["paas.work.>"],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      max_age: nanos(DAY_MS),
      duplicate_window: nanos(120_000),
      num_replicas: replicas,
    },
    {
      name: STREAMS.events,
      subjects: ["paas.events.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * DAY_MS),
      max_msgs_per_subject: 1000,
      max_bytes: GIB,
      discard: DiscardPolicy.Old,
      num_replicas: replicas,
    },
    {
      name: STREAMS.audit,
      subjects: ["paas.audit.>"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(90 * DAY_MS),
      max_bytes: GIB,
      discard: DiscardPolicy.Old,
      num_replicas: replicas,
    },
  ];
}

export interface JetStreamHandles {
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: Buckets;
}

/** Create (or open) every KV bucket and stream of SPEC §3.7; safe to run on every start. */
export async function provisionJetStream(nc: NatsConnection, replicas: number): Promise<JetStreamHandles> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const js = jetstream(nc, { timeout: 10_000 });
  for (const cfg of streamConfigs(replicas)) {
    try {
      await jsm.streams.info(cfg.name);
      await jsm.streams.update(cfg.name, cfg);
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message)) throw err;
      await jsm.streams.add(cfg);
    }
  }
  const kvm = new Kvm(js);
  const kv = {} as Buckets;
  for (const [key, bucket] of Object.entries(BUCKETS) as [BucketName, string][]) {
    kv[key] = await kvm.create(bucket, {
      history: BUCKET_HISTORY[key],
      replicas,
      storage: StorageType.File,
      ...(key === "deliveries" ? { ttl: DAY_MS } : {}),
    });
  }
  return { js, jsm, kv };
}

/** Readiness checks of SPEC §12.1; each value is "ok" or the error text. */
export async function readinessChecks(
  nc: NatsConnection | undefined,
  jsm: JetStreamManager | undefined,
): Promise<Record<string, string>> {
  const checks: Record<string, string> = { nats: "ok", jetstream: "ok", kv: "ok", streams: "ok" };
  if (!nc || nc.isClosed() || !jsm) {
    for (const k of Object.keys(checks)) checks[k] = "not connected";
    return checks;
  }
  const within = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error("timeout after 2s")), 2000))]);
  try {
    await within(jsm.getAccountInfo());
  } catch (err) {
    checks.jetstream = (err as Error).message;
  }
  try {
    for (const b of Object.values(BUCKETS)) await within(jsm.streams.info(`KV_${b}`));
  } catch (err) {
    checks.kv = (err as Error).message;
  }
  try {
    for (const s of Object.values(STREAMS)) await within(jsm.streams.info(s));
  } catch (err) {
    checks.streams = (err as Error).message;
  }
  return checks;
}
