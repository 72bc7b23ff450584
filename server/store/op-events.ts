import { headers, type NatsConnection, type Subscription } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import { STREAMS } from "../broker/index.js";
import type { OpEvent, OpEventName, StoredOpEvent } from "./types.js";

export const TERMINAL_EVENTS: ReadonlySet<OpEventName> = new Set(["op.completed", "op.failed"]);

/** Subject of one op's events. */
export function eventSubject(opId: string): string {
  return `paas.events.${opId}`;
}

function decode(m: StoredMsg): StoredOpEvent {
  return {
    name: (m.header?.get("Paas-Event") ?? "") as OpEventName,
    streamSeq: m.seq,
    payload: m.json<OpEvent>(),
  };
}

function isWrongLastSequence(err: unknown): boolean {
  return /wrong last sequence|10071/i.test((err as Error)?.message ?? "");
}

/** A conditional publish found another last event than the one it was told to follow. */
export class EventTailMovedError extends Error {
  constructor(
    readonly opId: string,
    readonly expectedStreamSeq: number,
  ) {
    super(`op ${opId}: its last event is no longer at stream sequence ${expectedStreamSeq}`);
    this.name = "EventTailMovedError";
  }
}

export interface PublishOptions {
  /**
   * Publish only when the op's last stored event is at this stream sequence (0: the op has none); otherwise
   * reject with `EventTailMovedError` and publish nothing. For callers that decided what to publish from a tail.
   */
  ifLastStreamSeq?: number;
}

/** What publishing cost, for tests and diagnosis (monotonic counters). */
export interface OpEventCounters {
  /** Events stored. */
  published: number;
  /** Publishes the server refused because another writer had appended (each costs a re-read and a retry). */
  conflicts: number;
  /** Reads of an op's last event from the stream: by `publish` when its tail was unknown, and by `last()`. */
  tailReads: number;
}

const MAX_TAILS = 10_000;

/**
 * Op events in PAAS_EVENTS (SPEC §5, DESIGN §2). Each event gets the next per-op sequence; the publish carries
 * expected-last-subject-sequence so two publishers can never assign the same number.
 *
 * Publishes of one op from this process run one after another (a per-op promise chain), each expecting the tail
 * the previous one left, so concurrent `emit`s cost one round trip each instead of colliding and retrying. The
 * in-memory tail is only a cache: after a restart it is empty (the first publish reads the stream), and when
 * another writer appended, the server refuses the publish and it re-reads the tail and retries.
 */
export class OpEventStore {
  // Last event this process published per op (null: the op is known to have none); oldest first, bounded.
  private readonly tails = new Map<string, StoredOpEvent | null>();
  // The end of each op's publish chain; removed when the chain drains.
  private readonly chains = new Map<string, Promise<void>>();
  readonly counters: OpEventCounters = { published: 0, conflicts: 0, tailReads: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Publish one event; fills `sequence` and `event_id` and returns the stored payload. */
  publish(
    name: OpEventName,
    payload: Omit<OpEvent, "sequence" | "event_id">,
    opts: PublishOptions = {},
  ): Promise<OpEvent> {
    const opId = payload.op_id;
    const result = this.afterPending(opId).then(() => this.publishNow(name, payload, opts));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(opId, settled);
    void settled.then(() => {
      if (this.chains.get(opId) === settled) this.chains.delete(opId);
    });
    return result;
  }

  private afterPending(opId: string): Promise<void> {
    return this.chains.get(opId) ?? Promise.resolve();
  }

  private async publishNow(
    name: OpEventName,
    payload: Omit<OpEvent, "sequence" | "event_id">,
    opts: PublishOptions,
  ): Promise<OpEvent> {
    const opId = payload.op_id;
    const subject = eventSubject(opId);
    for (let attempt = 0; attempt < 20; attempt++) {
      let last = this.tails.get(opId);
      if (last === undefined) last = await this.readLast(opId);
      const lastStreamSeq = last?.streamSeq ?? 0;
      if (opts.ifLastStreamSeq !== undefined && opts.ifLastStreamSeq !== lastStreamSeq)
        throw new EventTailMovedError(opId, opts.ifLastStreamSeq);
      const sequence = (last?.payload.sequence ?? 0) + 1;
      const body: OpEvent = { ...payload, event_id: String(sequence), sequence } as OpEvent;
      const h = headers();
      h.set("Paas-Event", name);
      try {
        const ack = await this.js.publish(subject, JSON.stringify(body), {
          headers: h,
          expect: { lastSubjectSequence: lastStreamSeq },
        });
        this.counters.published++;
        this.remember(opId, TERMINAL_EVENTS.has(name) ? undefined : { name, streamSeq: ack.seq, payload: body });
        return body;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        // Another writer appended (or the cache is from before a restart of the stream): re-read the tail.
        this.counters.conflicts++;
        this.tails.delete(opId);
      }
    }
    throw new Error(`could not publish ${name} for op ${opId}: too many sequence conflicts`);
  }

  /** Keep (or with `undefined`, forget) the op's tail; a terminal event ends the op's publishing. */
  private remember(opId: string, tail: StoredOpEvent | null | undefined): void {
    this.tails.delete(opId); // re-insert: the map's order is least recently published first
    if (tail === undefined) return;
    this.tails.set(opId, tail);
    if (this.tails.size > MAX_TAILS) this.tails.delete(this.tails.keys().next().value as string);
  }

  private async readLast(opId: string): Promise<StoredOpEvent | null> {
    this.counters.tailReads++;
    const m = await this.jsm.streams.getMessage(STREAMS.events, { last_by_subj: eventSubject(opId) });
    return m ? decode(m) : null;
  }

  /**
   * Note an op that was just created and so has no events yet: its first publish skips the tail read (the
   * server's expected-sequence check still guards it).
   */
  expectNew(opId: string): void {
    if (!this.tails.has(opId)) this.remember(opId, null);
  }

  /**
   * The op's last event as this process knows it, once its own pending publishes of the op have settled: null
   * when it knows there is none, undefined when it does not know (read `last()`). A cache — another writer may
   * have appended since — so act on it with `publish(…, { ifLastStreamSeq })`.
   */
  async cachedLast(opId: string): Promise<StoredOpEvent | null | undefined> {
    await this.afterPending(opId);
    return this.tails.get(opId);
  }

  /** The op's last stored event, or null (read from the stream). */
  last(opId: string): Promise<StoredOpEvent | null> {
    return this.readLast(opId);
  }

  /** The first stored event at or after stream sequence `fromStreamSeq`, or null. */
  async next(opId: string, fromStreamSeq: number): Promise<StoredOpEvent | null> {
    // The stream MSG.GET API takes next_by_subj (nats-server ≥ 2.9) though the client's type omits it.
    const query = { next_by_subj: eventSubject(opId), seq: Math.max(1, fromStreamSeq) } as unknown as { seq: number };
    const m = await this.jsm.streams.getMessage(STREAMS.events, query);
    return m ? decode(m) : null;
  }

  /** Every retained event of an op, oldest first. */
  async all(opId: string): Promise<StoredOpEvent[]> {
    const out: StoredOpEvent[] = [];
    let from = 1;
    for (;;) {
      const e = await this.next(opId, from);
      if (!e) return out;
      out.push(e);
      from = e.streamSeq + 1;
    }
  }

  /**
   * Wake-up notifications for new events of an op (core NATS sees every JetStream publish). The
   * reader still reads from the stream, so nothing is lost when a notification is.
   */
  watch(opId: string, onEvent: (sequence?: number) => void): Subscription {
    return this.nc.subscribe(eventSubject(opId), {
      callback: (_err, m) => {
        let sequence: number | undefined;
        try {
          sequence = (m.json() as { sequence?: number }).sequence;
        } catch {
          sequence = undefined;
        }
        onEvent(typeof sequence === "number" ? sequence : undefined);
      },
    });
  }
}
