import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { createJson, getJson, RevisionConflictError, updateJson } from "./kv-json.js";
import { KvCache } from "./kv-cache.js";
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

/** Webhook delivery ids in `paas_webhook_deliveries` (kept 24 h by the bucket's TTL). */
export class DeliveryStore {
  /** Mirror so a replayed delivery is answered without a round trip; a miss asks the KV. */
  readonly cache: KvCache<{ status: string; at: string }>;

  constructor(
    private readonly kv: KV,
    log: { warn(obj: object, msg?: string): void } = { warn() {} },
  ) {
    this.cache = new KvCache(kv, log);
  }

  async seen(projectId: string, deliveryId: string): Promise<boolean> {
    const key = `${projectId}.${deliveryId}`;
    if (this.cache.get(key)) return true;
    return (await getJson(this.kv, key)) !== null;
  }

  async record(projectId: string, deliveryId: string, status: string): Promise<void> {
    const key = `${projectId}.${deliveryId}`;
    const value = { status, at: nowIso() };
    this.cache.apply(key, value, await this.kv.put(key, JSON.stringify(value)));
  }
}
