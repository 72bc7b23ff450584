import type { OpEventStore, StoredOpEvent } from "../store/index.js";

/**
 * One shared reader per op with open SSE streams: each stored event is read from PAAS_EVENTS once and handed
 * to every stream of that op, instead of once per client (2,000 clients on one op cost one read per event).
 * Events arrive in stream order; a feed is dropped with its last stream.
 */
export class OpEventFeed {
  readonly events: StoredOpEvent[] = [];
  private cursor = 1;
  private refs = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: () => void;
  /** Resolves after the first read of the op's retained events. */
  readonly ready: Promise<void>;

  constructor(
    private readonly opId: string,
    private readonly store: OpEventStore,
    private readonly onEmpty: () => void,
  ) {
    // Subscribe before the first read, so no event published in between is missed.
    const sub = store.watch(opId, () => void this.refresh());
    this.unsubscribe = () => sub.unsubscribe();
    this.ready = this.refresh();
  }

  /** Read every event after the cursor (single flight; a refresh requested meanwhile runs again after). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          let added = false;
          for (
            let e = await this.store.next(this.opId, this.cursor);
            e;
            e = await this.store.next(this.opId, this.cursor)
          ) {
            this.cursor = e.streamSeq + 1;
            this.events.push(e);
            added = true;
          }
          if (added) for (const l of [...this.listeners]) l();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Call `fn` whenever new events were appended; returns the unsubscribe function. */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs > 0) return;
    this.unsubscribe();
    this.onEmpty();
  }
}

/** The feeds of every op that has at least one open stream. */
export class OpEventHub {
  private readonly feeds = new Map<string, OpEventFeed>();

  constructor(private readonly store: OpEventStore) {}

  /** A retained feed for the op; call `release()` when the stream ends. */
  acquire(opId: string): OpEventFeed {
    let feed = this.feeds.get(opId);
    if (!feed) {
      const created = new OpEventFeed(opId, this.store, () => {
        if (this.feeds.get(opId) === created) this.feeds.delete(opId);
      });
      feed = created;
      this.feeds.set(opId, feed);
    }
    feed.retain();
    return feed;
  }

  get size(): number {
    return this.feeds.size;
  }
}
