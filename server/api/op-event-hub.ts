import type { OpEvent, OpEventStore, StoredOpEvent } from "../store/index.js";
import { nowIso } from "../../workers/shared/ids.js";

/** One SSE frame (SPEC §5.1): `id:` for recorded events only, one-line JSON data, blank line. */
export function sseFrame(name: string, payload: OpEvent, id?: number): Buffer {
  return Buffer.from(`${id !== undefined ? `id: ${id}\n` : ""}event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
}

/**
 * The heartbeat payload (SPEC §5.3): a copy of the last payload sent on the connection with `event_id:"heartbeat"`,
 * the last real sequence sent, `message:"stream heartbeat"`, `at` = now, and the step details removed.
 */
export function heartbeatPayload(last: OpEvent, lastSeq: number, at: string): OpEvent {
  const { worker: _w, step_index: _s, duration_ms: _d, artifacts: _a, cached: _c, completed: _x, ...rest } = last;
  return { ...rest, event_id: "heartbeat", sequence: lastSeq, message: "stream heartbeat", at };
}

/**
 * One shared reader per op with open SSE streams: each stored event is read from PAAS_EVENTS once, encoded as an SSE
 * frame once, and handed to every stream of that op (2,000 clients on one op cost one read and one encoding per
 * event). Heartbeats come from one timer per feed, each distinct heartbeat frame encoded once per tick. Events
 * arrive in stream order; a feed is dropped with its last stream.
 */
export class OpEventFeed {
  readonly events: StoredOpEvent[] = [];
  /** `frames[i]` is the SSE frame of `events[i]`, with its `id:` line. */
  readonly frames: Buffer[] = [];
  private cursor = 1;
  private refs = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly listeners = new Set<() => void>();
  private readonly tickers = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  // This tick's heartbeat frames by the payload they copy (streams that sent the same event share one).
  private beats = new Map<OpEvent, Buffer>();
  private beatAt = "";
  private readonly unsubscribe: () => void;
  private loaded: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly opId: string,
    private readonly store: OpEventStore,
    private readonly onEmpty: () => void,
  ) {
    // Subscribe before the first read, so no event published in between is missed.
    const sub = store.watch(opId, (sequence) => this.pull(sequence));
    this.unsubscribe = () => sub.unsubscribe();
    void this.ready.catch(() => {}); // the first stream awaits it and answers the error; start reading now
  }

  /**
   * Resolves after a successful first read of the op's retained events. A failed first read (NATS restarting) is
   * not remembered: the next stream to ask reads again.
   */
  get ready(): Promise<void> {
    this.loaded ??= this.refresh().catch((err: unknown) => {
      this.loaded = null;
      throw err;
    });
    return this.loaded;
  }

  /**
   * Read on a notification. The notification is the published event itself and can arrive before the stream has
   * stored it (JetStream ingests asynchronously): while the notified sequence has not been read, the read is repeated
   * a few times shortly after (20, 40, 80, 160, 320 ms), or the op's last event could stay unread with no
   * notification to come. A failed
   * read (a NATS timeout while the server restarts) must neither crash the process as an unhandled rejection nor
   * leave an event unread: it is retried every second while the feed has streams. Every heartbeat tick reads too.
   */
  private pull(notified?: number, attempt = 0): void {
    this.refresh().then(
      () => {
        const read = this.events.at(-1)?.payload.sequence ?? 0;
        if (this.closed || notified === undefined || read >= notified || attempt >= 5) return;
        setTimeout(
          () => {
            if (!this.closed) this.pull(notified, attempt + 1);
          },
          20 * 2 ** attempt,
        ).unref();
      },
      () => {
        if (this.closed || this.retryTimer) return;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          if (!this.closed) this.pull();
        }, 1000);
        this.retryTimer.unref();
      },
    );
  }

  /**
   * Read every event after the cursor (single flight; a refresh requested meanwhile runs again after). Streams are
   * told of what was appended even when a later read of the same pass fails: the events are in `events` by then,
   * and no later read would announce them again (a broker killed just after an op's last events were read left
   * its live streams waiting for events the feed already had).
   */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const before = this.events.length;
          try {
            for (
              let e = await this.store.next(this.opId, this.cursor);
              e;
              e = await this.store.next(this.opId, this.cursor)
            ) {
              this.cursor = e.streamSeq + 1;
              this.events.push(e);
              this.frames.push(sseFrame(e.name, e.payload, e.payload.sequence));
            }
          } finally {
            if (this.events.length > before) for (const l of [...this.listeners]) l();
          }
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

  /** Call `fn` every `everyMs` (one timer for all streams of the feed); returns the unsubscribe function. */
  onTick(everyMs: number, fn: () => void): () => void {
    this.tickers.add(fn);
    this.timer ??= setInterval(() => this.tick(), everyMs);
    return () => {
      this.tickers.delete(fn);
      if (this.tickers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private tick(): void {
    this.pull(); // a safety net: one read per tick
    this.beats = new Map();
    this.beatAt = nowIso();
    for (const fn of [...this.tickers]) fn();
  }

  /** The heartbeat frame for a stream whose last payload sent was `last` (call from a tick). */
  heartbeatFrame(last: OpEvent, lastSeq: number): Buffer {
    const at = this.beatAt || nowIso();
    if (lastSeq !== last.sequence) return sseFrame("op.heartbeat", heartbeatPayload(last, lastSeq, at));
    let f = this.beats.get(last);
    if (!f) {
      f = sseFrame("op.heartbeat", heartbeatPayload(last, lastSeq, at));
      this.beats.set(last, f);
    }
    return f;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs > 0) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
