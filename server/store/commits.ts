import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { createJson, getJson, RevisionConflictError, updateJson } from "./kv-json.js";
import { KvCache } from "./kv-cache.js";
import { KvKeyMirror, type RecentKeysOptions } from "./recent-keys.js";
import type { JetStreamPublisher } from "./js-publisher.js";
import { BUCKETS } from "../broker/index.js";
import { nowIso } from "../../workers/shared/ids.js";

export type CommitStatus = "pending" | "enqueued" | "succeeded" | "failed";

export interface CommitEntry {
  commit: string;
  status: CommitStatus;
  op_id?: string;
  updated_at: string;
}

const PENDING_TTL_MS = 60_000;

/** The KV key part for a commit (SPEC §6.2): the commit itself when key-safe, else `sha256-<hex>`. */
export function commitKey(commit: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(commit) ? commit : `sha256-${createHash("sha256").update(commit).digest("hex")}`;
}

/**
 * Commit dedupe in `paas_commits`, shared by the webhook, the watcher and every process (SPEC §6.2).
 * `claim` is an atomic create (or a CAS over a failed/stale entry): of two racing claims one wins.
 */
export class CommitStore {
  /** Mirror used to answer duplicates without a round trip; a miss always goes to the KV. */
  readonly cache: KvCache<CommitEntry>;

  constructor(
    private readonly kv: KV,
    private readonly now: () => number = Date.now,
    log: { warn(obj: object, msg?: string): void } = { warn() {} },
  ) {
    this.cache = new KvCache<CommitEntry>(kv, log);
  }

  private key(projectId: string, commit: string): string {
    return `${projectId}.${commitKey(commit)}`;
  }

  private isDuplicate(e: CommitEntry): boolean {
    return (
      e.status !== "failed" && !(e.status === "pending" && this.now() - Date.parse(e.updated_at) >= PENDING_TTL_MS)
    );
  }

  /** True when the commit is new (now `pending`), false when it is a duplicate. Blank commits always pass. */
  async claim(projectId: string, commit: string): Promise<boolean> {
    if (commit === "") return true;
    const key = this.key(projectId, commit);
    const mirrored = this.cache.get(key);
    if (mirrored && this.isDuplicate(mirrored.value)) return false;
    const pending: CommitEntry = { commit, status: "pending", updated_at: nowIso() };
    if (mirrored !== undefined) {
      // The mirror knows the entry (absent, or failed/stale at a revision): write at once — one round trip, not a
      // read first. The atomic create / CAS still decides a race; on a conflict, read and decide below.
      try {
        if (mirrored === null) await createJson(this.kv, key, pending);
        else await updateJson(this.kv, key, pending, mirrored.revision);
        return true;
      } catch (err) {
        if (!(err instanceof RevisionConflictError)) throw err;
      }
    }
    const cur = await getJson<CommitEntry>(this.kv, key);
    try {
      if (!cur) {
        await createJson(this.kv, key, pending);
        return true;
      }
      if (this.isDuplicate(cur.value)) return false;
      await updateJson(this.kv, key, pending, cur.revision);
      return true;
    } catch (err) {
      if (err instanceof RevisionConflictError) return false;
      throw err;
    }
  }

  /** The op for a claimed commit was accepted. */
  async enqueued(projectId: string, commit: string, opId: string): Promise<void> {
    if (commit === "") return;
    await this.kv.put(
      this.key(projectId, commit),
      JSON.stringify({ commit, status: "enqueued", op_id: opId, updated_at: nowIso() }),
    );
  }

  /** Give a claim back (conflict or enqueue failure), so the same commit may be retried. */
  async release(projectId: string, commit: string): Promise<void> {
    if (commit === "") return;
    await this.kv.delete(this.key(projectId, commit));
  }

  /** Record how the commit's CI op ended: `succeeded` or `failed` (a failed commit may run again). */
  async settle(projectId: string, commit: string, opId: string, status: "succeeded" | "failed"): Promise<void> {
    if (commit === "") return;
    await this.kv.put(
      this.key(projectId, commit),
      JSON.stringify({ commit, status, op_id: opId, updated_at: nowIso() }),
    );
  }

  async get(projectId: string, commit: string): Promise<CommitEntry | null> {
    return (await getJson<CommitEntry>(this.kv, this.key(projectId, commit)))?.value ?? null;
  }
}

/** How long `paas_webhook_deliveries` keeps a delivery id (the bucket's max age, SPEC §3.7). */
export const DELIVERY_TTL_MS = 24 * 3_600_000;

/** A delivery id this request holds until it records it (a 202) or gives it up (an error response). */
export interface DeliveryClaim {
  /** Record the delivery: at once in the mirror (so a replay is seen), in the KV in the background. */
  record(status: string): void;
  /** Give the id up without recording it; a no-op after `record`. */
  release(): void;
}

/**
 * Webhook delivery ids in `paas_webhook_deliveries` (kept 24 h by the bucket's TTL). The mirror holds the ids
 * of the last 24 h, bounded (`RecentKeys`): once it is complete a miss is authoritative and costs no round trip;
 * only ids it cannot rule out (older than its exact part, or while it is loading) are looked up in the KV.
 */
export class DeliveryStore {
  readonly cache: KvKeyMirror;
  /** Delivery ids a request is processing: a replay arriving meanwhile waits for its outcome. */
  private readonly inflight = new Map<string, (() => void)[]>();
  private readonly pending = new Set<Promise<void>>();

  private readonly publisher?: JetStreamPublisher;

  constructor(
    private readonly kv: KV,
    private readonly log: { warn(obj: object, msg?: string): void } = { warn() {} },
    opts: Partial<RecentKeysOptions> & { publisher?: JetStreamPublisher } = {},
  ) {
    const { publisher, ...mirror } = opts;
    this.publisher = publisher;
    this.cache = new KvKeyMirror(kv, log, { ttlMs: DELIVERY_TTL_MS, ...mirror });
  }

  private async recorded(key: string): Promise<boolean> {
    const local = this.cache.keys.has(key);
    if (local !== undefined) return local;
    return (await getJson(this.kv, key)) !== null;
  }

  /** Whether a delivery id is recorded (SPEC §6.1 check 5). */
  seen(projectId: string, deliveryId: string): Promise<boolean> {
    return this.recorded(`${projectId}.${deliveryId}`);
  }

  /**
   * Check 5 and the claim in one: null when the id is already recorded, else a claim the caller must `record` or
   * `release`. Two requests with the same id never both get a claim: the second waits for the first's outcome
   * (recorded → null; released → it claims the id itself).
   */
  async claim(projectId: string, deliveryId: string): Promise<DeliveryClaim | null> {
    const key = `${projectId}.${deliveryId}`;
    for (;;) {
      const waiters = this.inflight.get(key);
      if (waiters) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        continue;
      }
      const local = this.cache.keys.has(key);
      if (local === true) return null;
      // Taken synchronously after the check, so no second request can slip in between.
      this.inflight.set(key, []);
      if (local === undefined) {
        let known: boolean;
        try {
          known = (await getJson(this.kv, key)) !== null;
        } catch (err) {
          this.settle(key);
          throw err;
        }
        if (known) {
          this.cache.keys.add(key);
          this.settle(key);
          return null;
        }
      }
      return this.handle(key);
    }
  }

  private handle(key: string): DeliveryClaim {
    let done = false;
    return {
      record: (status) => {
        if (done) return;
        done = true;
        this.cache.keys.add(key);
        this.settle(key);
        this.write(key, status);
      },
      release: () => {
        if (done) return;
        done = true;
        this.settle(key);
      },
    };
  }

  private settle(key: string): void {
    const waiters = this.inflight.get(key);
    this.inflight.delete(key);
    if (waiters) for (const wake of waiters) wake();
  }

  private write(key: string, status: string): void {
    const value = JSON.stringify({ status, at: nowIso() });
    const p = new Promise<void>((resolve) => {
      const done = (err?: Error) => {
        if (err) this.log.warn({ err: err.message, key }, "webhook delivery record failed");
        resolve();
      };
      // The same message `kv.put` sends (a plain PUT on the key's subject), through the lean publisher.
      if (this.publisher) this.publisher.publish(`$KV.${BUCKETS.deliveries}.${key}`, value, undefined, done);
      else this.kv.put(key, value).then(() => done(), done);
    });
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
  }

  /** Wait for the delivery records this process has started writing. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
