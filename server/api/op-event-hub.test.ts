import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { OpEventStore, StoredOpEvent } from "../store/index.js";
import { OpEventHub } from "./op-event-hub.js";

/**
 * The feed's reading rules against a store double with the two calls the feed uses (`watch`, `next`); the real
 * store, NATS restarts included, is exercised by test/integration/sse.test.ts and chaos R1/R3.
 */
function storeDouble() {
  const events: StoredOpEvent[] = [];
  let notify: (sequence?: number) => void = () => {};
  let failuresLeft = 0;
  let okBeforeFailure = 0;
  const store = {
    watch: (_opId: string, cb: (sequence?: number) => void) => {
      notify = cb;
      return { unsubscribe: () => (notify = () => {}) };
    },
    next: async (_opId: string, fromSeq: number) => {
      if (failuresLeft > 0 && okBeforeFailure-- <= 0) {
        failuresLeft--;
        throw new Error("TIMEOUT");
      }
      return events.find((e) => e.streamSeq >= fromSeq) ?? null;
    },
  } as unknown as OpEventStore;
  const append = (sequence: number, streamSeq = events.length + 1) =>
    events.push({
      streamSeq,
      name: "op.status",
      payload: { sequence, op_id: "op1", event_id: `e${sequence}` },
    } as unknown as StoredOpEvent);
  return {
    store,
    events,
    append,
    notify: (sequence?: number) => notify(sequence),
    failNext: (n: number, afterOk = 0) => {
      failuresLeft = n;
      okBeforeFailure = afterOk;
    },
  };
}

/** A feed of op1 after its first read, and the event counts its append notifications saw. */
async function readFeed(d: ReturnType<typeof storeDouble>) {
  const feed = new OpEventHub(d.store).acquire("op1");
  await feed.ready;
  const seen: number[] = [];
  feed.onAppend(() => seen.push(feed.events.length));
  return { feed, seen };
}

describe("OpEventFeed", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("a failed first read is not remembered: the next stream reads again", async () => {
    const d = storeDouble();
    d.append(1);
    d.failNext(1);
    const feed = new OpEventHub(d.store).acquire("op1");
    await expect(feed.ready).rejects.toThrow("TIMEOUT");
    await feed.ready;
    expect(feed.events.map((e) => e.payload.sequence)).toEqual([1]);
    feed.release();
  });

  it("a failed read after a notification neither rejects unhandled nor leaves the event unread", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on("unhandledRejection", onUnhandled);
    try {
      const d = storeDouble();
      const { feed, seen } = await readFeed(d);
      d.append(1);
      d.failNext(1);
      d.notify();
      await vi.advanceTimersByTimeAsync(0);
      expect(feed.events).toHaveLength(0); // the read failed
      await vi.advanceTimersByTimeAsync(1000); // retried without another notification
      expect(feed.events.map((e) => e.payload.sequence)).toEqual([1]);
      expect(seen).toEqual([1]);
      feed.release();
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("reads again shortly when a notification arrives before the stream has stored the event", async () => {
    const d = storeDouble();
    const feed = new OpEventHub(d.store).acquire("op1");
    await feed.ready;
    d.notify(1); // the core message is routed before the stream ingests it
    await vi.advanceTimersByTimeAsync(0);
    expect(feed.events).toHaveLength(0);
    d.append(1); // stored now; no further notification comes
    await vi.advanceTimersByTimeAsync(20);
    expect(feed.events.map((e) => e.payload.sequence)).toEqual([1]);
    feed.release();
  });

  it("stops retrying once its last stream is gone", async () => {
    const d = storeDouble();
    const feed = new OpEventHub(d.store).acquire("op1");
    await feed.ready;
    d.failNext(1);
    d.notify();
    await vi.advanceTimersByTimeAsync(0);
    feed.release();
    d.append(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(feed.events).toHaveLength(0);
  });

  it("tells its streams of the events a read appended even when the next read of that pass fails", async () => {
    const d = storeDouble();
    const { feed, seen } = await readFeed(d);
    d.append(1);
    d.append(2);
    // Events 1 and 2 are read, then the read for what follows them times out (the broker was killed).
    d.failNext(1, 2);
    d.notify(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(feed.events.map((e) => e.payload.sequence)).toEqual([1, 2]);
    expect(seen).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1000); // the retry reads nothing new and announces nothing twice
    expect(seen).toEqual([2]);
    feed.release();
  });
});
