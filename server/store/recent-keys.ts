import type { KV, KvEntry } from "@nats-io/kv";
import { KvWatchInclude } from "@nats-io/kv";

export interface RecentKeysOptions {
  /** How long the bucket keeps a key (its max age): older keys are gone from the KV as well. */
  ttlMs: number;
  /** Keys kept exactly; older ones move to the filters. */
  maxEntries?: number;
  /** Keys per filter (≈ 1% false positives at this fill). */
  filterCapacity?: number;
  /** Filters kept; when one more is needed the oldest is dropped and misses ask the KV until its keys expire. */
  maxFilters?: number;
  now?: () => number;
}

const FILTER_BITS = 1 << 20; // 128 KiB per filter
const FILTER_HASHES = 7;

/** One generation of a Bloom filter over evicted keys: "maybe seen" or "certainly not seen". */
class KeyFilter {
  readonly bits = new Uint32Array(FILTER_BITS / 32);
  count = 0;
  newestAt = 0;

  private static hashes(key: string): [number, number] {
    // FNV-1a and a second, differently seeded FNV with a murmur3 finaliser; combined by double hashing.
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ key.length;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 ^= h2 >>> 16;
    h2 = Math.imul(h2, 0x85ebca6b);
    h2 ^= h2 >>> 13;
    h2 = Math.imul(h2, 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    return [h1 >>> 0, (h2 | 1) >>> 0];
  }

  add(key: string, at: number): void {
    const [h1, h2] = KeyFilter.hashes(key);
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & (FILTER_BITS - 1);
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count++;
    if (at > this.newestAt) this.newestAt = at;
  }

  mightHave(key: string): boolean {
    const [h1, h2] = KeyFilter.hashes(key);
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & (FILTER_BITS - 1);
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/**
 * The keys of a bucket whose entries expire (a max age, no delete markers), bounded in memory: the newest
 * `maxEntries` keys exactly (with the time they were written), older ones in a few Bloom filters, and nothing
 * older than the bucket's max age. `has()` answers `true` (recorded), `false` (certainly not in the bucket) or
 * `undefined` (an older key may match, or the set is not complete yet: ask the KV).
 */
export class RecentKeys {
  /** key → time written (ms). */
  private readonly exact = new Map<string, number>();
  /**
   * The same keys in arrival order (≈ write order), as a queue: eviction takes from the front without iterating
   * the Map (a Map whose oldest entries keep being deleted is slow to iterate from its start).
   */
  private queueKeys: string[] = [];
  private queueAt: number[] = [];
  private head = 0;
  private readonly filters: KeyFilter[] = [];
  /** Until then a miss is not authoritative: a dropped filter held keys that may still be in the bucket. */
  private blindUntil = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly filterCapacity: number;
  private readonly maxFilters: number;
  private readonly now: () => number;
  /** True once every key of the bucket has been loaded and the set is followed. */
  complete = false;

  constructor(o: RecentKeysOptions) {
    this.ttlMs = o.ttlMs;
    this.maxEntries = o.maxEntries ?? 20_000;
    this.filterCapacity = o.filterCapacity ?? 100_000;
    this.maxFilters = o.maxFilters ?? 16;
    this.now = o.now ?? Date.now;
  }

  /** Keys held exactly (the rest are in the filters). */
  get size(): number {
    return this.exact.size;
  }

  get filterCount(): number {
    return this.filters.length;
  }

  /** A key written at `at` (ms). A key already held keeps its first time. */
  add(key: string, at: number = this.now()): void {
    if (this.exact.has(key)) return;
    this.exact.set(key, at);
    this.queueKeys.push(key);
    this.queueAt.push(at);
    this.prune();
  }

  /** A key deleted from the bucket. (A filter cannot forget it: it stays "maybe", which asks the KV.) */
  remove(key: string): void {
    this.exact.delete(key);
  }

  /** true: recorded; false: certainly not in the bucket; undefined: ask the KV. */
  has(key: string): boolean | undefined {
    const at = this.exact.get(key);
    const now = this.now();
    const horizon = now - this.ttlMs;
    if (at !== undefined) return at >= horizon ? true : undefined;
    if (!this.complete || this.blindUntil > now) return undefined;
    for (const f of this.filters) if (f.newestAt >= horizon && f.mightHave(key)) return undefined;
    return false;
  }

  private prune(): void {
    const horizon = this.now() - this.ttlMs;
    for (;;) {
      const queued = this.queueKeys.length - this.head;
      if (queued === 0) break;
      const key = this.queueKeys[this.head];
      const at = this.queueAt[this.head];
      // Keys past the bucket's max age are gone from the KV too: drop them without remembering. Past the cap,
      // the oldest key moves to a filter.
      const expired = at < horizon;
      if (!expired && queued <= this.maxEntries) break;
      this.head++;
      if (this.exact.get(key) !== at) continue; // removed meanwhile
      this.exact.delete(key);
      if (!expired) this.remember(key, at, horizon);
    }
    if (this.head > 1024 && this.head * 2 > this.queueKeys.length) {
      this.queueKeys = this.queueKeys.slice(this.head);
      this.queueAt = this.queueAt.slice(this.head);
      this.head = 0;
    }
  }
  private remember(key: string, at: number, horizon: number): void {
    while (this.filters.length > 0 && this.filters[0].newestAt < horizon) this.filters.shift();
    let f = this.filters[this.filters.length - 1];
    if (!f || f.count >= this.filterCapacity) {
      if (this.filters.length >= this.maxFilters) {
        const dropped = this.filters.shift()!;
        this.blindUntil = Math.max(this.blindUntil, dropped.newestAt + this.ttlMs);
      }
      f = new KeyFilter();
      this.filters.push(f);
    }
    f.add(key, at);
  }
}

/**
 * Follows a TTL'd KV bucket's keys (not values) into a `RecentKeys`: one headers-only watch for updates and one
 * headers-only history pass at start (no KV get per key).
 */
export class KvKeyMirror {
  readonly keys: RecentKeys;
  private stopped = false;
  private stopWatch?: () => void;

  constructor(
    private readonly kv: KV,
    private readonly log: { warn(obj: object, msg?: string): void },
    opts: RecentKeysOptions,
  ) {
    this.keys = new RecentKeys(opts);
  }

  private apply(e: KvEntry): void {
    const key = e.key;
    if (e.operation !== "PUT") this.keys.remove(key);
    // Most updates echo this process's own writes, already held: skip building their timestamp.
    else if (this.keys.has(key) !== true) this.keys.add(key, e.created.getTime());
  }

  /** Start following, then load every key the bucket holds; resolves once the set is complete. */
  async start(): Promise<void> {
    const it = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly, headers_only: true });
    this.stopWatch = () => it.stop();
    void (async () => {
      try {
        for await (const e of it) this.apply(e);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "kv key mirror watch ended");
      }
      // The watch ended (connection trouble): misses are no longer authoritative.
      if (!this.stopped) this.keys.complete = false;
    })();
    // `history` takes `headers_only` like `watch` (its options type omits it): keys and times, no values.
    const all = await this.kv.history({ headers_only: true } as Parameters<KV["history"]>[0]);
    for await (const e of all) this.apply(e);
    if (!this.stopped) this.keys.complete = true;
  }

  get ready(): boolean {
    return this.keys.complete;
  }

  stop(): void {
    this.stopped = true;
    this.keys.complete = false;
    this.stopWatch?.();
  }
}
