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

/**
 * Op events in PAAS_EVENTS (SPEC §5, DESIGN §2). Each event gets the next per-op sequence; the publish
 * carries expected-last-subject-sequence so two publishers can never assign the same number.
 */
export class OpEventStore {
  // Last (stream seq, per-op seq) this process published per op: saves a lookup per publish.
  private readonly tail = new Map<string, { streamSeq: number; sequence: number }>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** Publish one event; fills `sequence` and `event_id` and returns the stored payload. */
  async publish(name: OpEventName, payload: Omit<OpEvent, "sequence" | "event_id">): Promise<OpEvent> {
    const subject = eventSubject(payload.op_id);
    for (let attempt = 0; attempt < 20; attempt++) {
      let last = this.tail.get(payload.op_id);
      if (!last) {
        const stored = await this.last(payload.op_id);
        last = stored
          ? { streamSeq: stored.streamSeq, sequence: stored.payload.sequence }
          : { streamSeq: 0, sequence: 0 };
      }
      const sequence = last.sequence + 1;
      const body: OpEvent = { ...payload, event_id: String(sequence), sequence } as OpEvent;
      const h = headers();
      h.set("Paas-Event", name);
      try {
        const ack = await this.js.publish(subject, JSON.stringify(body), {
          headers: h,
          expect: { lastSubjectSequence: last.streamSeq },
        });
        this.tail.set(payload.op_id, { streamSeq: ack.seq, sequence });
        if (this.tail.size > 10_000) this.tail.delete(this.tail.keys().next().value as string);
        return body;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        this.tail.delete(payload.op_id); // someone else published: re-read the tail
      }
    }
    throw new Error(`could not publish ${name} for op ${payload.op_id}: too many sequence conflicts`);
  }

  /** The op's last stored event, or null. */
  async last(opId: string): Promise<StoredOpEvent | null> {
    const m = await this.jsm.streams.getMessage(STREAMS.events, { last_by_subj: eventSubject(opId) });
    return m ? decode(m) : null;
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
  watch(opId: string, onEvent: () => void): Subscription {
    return this.nc.subscribe(eventSubject(opId), { callback: () => onEvent() });
  }
}
