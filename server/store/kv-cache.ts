import type { KV, KvEntry } from "@nats-io/kv";
import { KvWatchInclude } from "@nats-io/kv";
import type { Versioned } from "./kv-json.js";

/**
 * An in-memory mirror of one KV bucket, kept current by a KV watch and by this process's own writes
 * (write-through), newest revision wins. Reads that need a CAS revision still go to the KV; the mirror
 * serves hot read-only paths (project lists, dedupe pre-checks) without a round trip per key.
 */
export class KvCache<T> {
  private readonly entries = new Map<string, { value: T | null; revision: number }>();
  private loaded = false;
  /** Bumped on every change, so derived views (a serialised list) can be memoised. */
  version = 0;
  private stopped = false;
  private stopWatch?: () => void;

  constructor(
    private readonly kv: KV,
    private readonly log: { warn(obj: object, msg?: string): void },
  ) {}

  /**
   * Start watching, then load every current value in one pass over the bucket's history (one ordered consumer,
   * not a KV get per key; only each key's newest revision is decoded); resolves once the mirror is complete.
   */
  async start(): Promise<void> {
    await this.watch();
    const latest = new Map<string, KvEntry>(); // in stream order: the last one seen per key is its newest
    for await (const e of await this.kv.history()) latest.set(e.key, e);
    for (const e of latest.values()) this.apply(e.key, this.decode(e), e.revision);
    if (!this.stopped) this.loaded = true;
  }

  private decode(e: KvEntry): T | null {
    if (e.operation !== "PUT" || e.value.length === 0) return null;
    try {
      return e.json<T>();
    } catch {
      return null;
    }
  }

  private async watch(): Promise<void> {
    const it = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    this.stopWatch = () => it.stop();
    void (async () => {
      try {
        for await (const e of it) this.apply(e.key, this.decode(e), e.revision);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "kv cache watch ended");
      }
      // The watch ended (connection trouble): stop serving from a mirror that may go stale.
      if (!this.stopped) this.loaded = false;
    })();
  }

  /** Record a value (null = deleted) at a revision; older revisions never overwrite newer ones. */
  apply(key: string, value: T | null, revision: number): void {
    const cur = this.entries.get(key);
    if (cur && cur.revision >= revision) return;
    this.entries.set(key, { value, revision });
    this.version++;
  }

  /** True while the mirror is complete and followed. */
  get ready(): boolean {
    return this.loaded;
  }

  /** The mirrored entry, null when known absent, undefined when the mirror is not ready. */
  get(key: string): Versioned<T> | null | undefined {
    if (!this.loaded) return undefined;
    const e = this.entries.get(key);
    return e && e.value !== null ? { value: e.value, revision: e.revision } : null;
  }

  /** Every present value (undefined when the mirror is not ready). */
  values(): T[] | undefined {
    if (!this.loaded) return undefined;
    const out: T[] = [];
    for (const e of this.entries.values()) if (e.value !== null) out.push(e.value);
    return out;
  }

  stop(): void {
    this.stopped = true;
    this.loaded = false;
    this.stopWatch?.();
  }
}
