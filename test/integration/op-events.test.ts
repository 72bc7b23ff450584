// OpEventStore against a real nats-server: per-op sequences stay gap-free and duplicate-free under concurrent
// publishes from one process (serialised: one publish each, no conflicts) and from two "processes" (two stores on
// two connections: the server's expected-last-subject-sequence check orders them, the in-memory tail is a cache).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { provisionJetStream, type JetStreamHandles } from "../../server/broker/index.js";
import { EventTailMovedError, OpEventStore, type OpEvent, type OpEventCounters } from "../../server/store/index.js";
import { newId32 } from "../../workers/shared/ids.js";
import { startTestBroker, type TestBroker } from "../support/nats.js";

let broker: TestBroker;
let ncA: NatsConnection;
let ncB: NatsConnection;
let hA: JetStreamHandles;
let hB: JetStreamHandles;

beforeAll(async () => {
  broker = await startTestBroker("op-events");
  const url = broker.url;
  ncA = await connect({ servers: url });
  ncB = await connect({ servers: url });
  hA = await provisionJetStream(ncA, 1);
  hB = await provisionJetStream(ncB, 1);
});

afterAll(async () => {
  await ncA?.drain();
  await ncB?.drain();
  await broker?.stop();
});

/** A store as one Slipway process has it. */
const storeA = () => new OpEventStore(ncA, hA.js, hA.jsm);
const storeB = () => new OpEventStore(ncB, hB.js, hB.jsm);

function payload(opId: string, message: string): Omit<OpEvent, "sequence" | "event_id"> {
  return {
    op_id: opId,
    project_id: "p",
    kind: "ci",
    status: "running",
    at: "2026-01-01T00:00:00Z",
    total_steps: 2,
    delivery: {},
    message,
  };
}

function delta(after: OpEventCounters, before: OpEventCounters): OpEventCounters {
  return {
    published: after.published - before.published,
    conflicts: after.conflicts - before.conflicts,
    tailReads: after.tailReads - before.tailReads,
  };
}

/** The stored sequences are 1..n, each once, in stream order. */
async function expectGapFree(store: OpEventStore, opId: string, n: number): Promise<void> {
  const all = await store.all(opId);
  expect(all.map((e) => e.payload.sequence)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(all.map((e) => e.payload.event_id)).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
}

describe("OpEventStore on a real broker", () => {
  it("serialises concurrent publishes of one op: one publish each, no conflicts, sequences in call order", async () => {
    const store = storeA();
    const opId = newId32();
    const before = { ...store.counters };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => store.publish("step.progress", payload(opId, `v${i}`))),
    );
    expect(results.map((r) => r.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(results.map((r) => r.message)).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    // One tail read (the op was unknown), then every publish follows the one before it.
    expect(delta(store.counters, before)).toEqual({ published: 60, conflicts: 0, tailReads: 1 });
    await expectGapFree(store, opId, 60);
  });

  it("publishes a new op's first event without a tail read", async () => {
    const store = storeA();
    const opId = newId32();
    store.expectNew(opId);
    const before = { ...store.counters };
    await Promise.all([1, 2, 3].map((i) => store.publish("op.status", payload(opId, `s${i}`))));
    expect(delta(store.counters, before)).toEqual({ published: 3, conflicts: 0, tailReads: 0 });
    await expectGapFree(store, opId, 3);
  });

  it("continues after another writer appended: the server check refuses the stale tail, the store re-reads", async () => {
    const a = storeA();
    const b = storeB();
    const opId = newId32();
    a.expectNew(opId);
    for (let i = 0; i < 3; i++) await a.publish("step.progress", payload(opId, `a${i}`));
    // Another process appends two events; A's cached tail is now stale.
    await b.publish("step.progress", payload(opId, "b0"));
    await b.publish("step.progress", payload(opId, "b1"));
    const before = { ...a.counters };
    const e = await a.publish("step.progress", payload(opId, "a3"));
    expect(e.sequence).toBe(6);
    expect(delta(a.counters, before)).toEqual({ published: 1, conflicts: 1, tailReads: 1 });
    await expectGapFree(a, opId, 6);
  });

  it("keeps sequences gap-free and unique under concurrent publishes from two processes", async () => {
    const a = storeA();
    const b = storeB();
    const opId = newId32();
    const sent = await Promise.all([
      ...Array.from({ length: 25 }, (_, i) => a.publish("step.progress", payload(opId, `a${i}`))),
      ...Array.from({ length: 25 }, (_, i) => b.publish("step.progress", payload(opId, `b${i}`))),
    ]);
    expect(new Set(sent.map((e) => e.sequence)).size).toBe(50);
    await expectGapFree(a, opId, 50);
    // Each process still kept its own events in call order.
    const stored = await a.all(opId);
    for (const who of ["a", "b"]) {
      const mine = stored.map((e) => e.payload.message!).filter((m) => m.startsWith(who));
      expect(mine).toEqual(Array.from({ length: 25 }, (_, i) => `${who}${i}`));
    }
  });

  it("starts from the stream after a restart (an empty cache)", async () => {
    const opId = newId32();
    const first = storeA();
    for (let i = 0; i < 4; i++) await first.publish("step.progress", payload(opId, `before${i}`));
    const restarted = storeA();
    expect(await restarted.cachedLast(opId)).toBeUndefined();
    const e = await restarted.publish("step.progress", payload(opId, "after"));
    expect(e.sequence).toBe(5);
    expect(restarted.counters).toEqual({ published: 1, conflicts: 0, tailReads: 1 });
    await expectGapFree(restarted, opId, 5);
  });

  it("answers cachedLast after the pending publishes and publishes conditionally on it", async () => {
    const a = storeA();
    const b = storeB();
    const opId = newId32();
    a.expectNew(opId);
    expect(await a.cachedLast(opId)).toBeNull();
    const pending = [0, 1, 2, 3].map((i) => a.publish("step.progress", payload(opId, `p${i}`)));
    const tail = await a.cachedLast(opId);
    await Promise.all(pending);
    expect(tail).toMatchObject({ name: "step.progress", payload: { sequence: 4, message: "p3" } });
    expect(tail!.streamSeq).toBe((await a.last(opId))!.streamSeq);

    // On the right tail a conditional publish goes through …
    const ok = await a.publish("step.ended", payload(opId, "ended"), { ifLastStreamSeq: tail!.streamSeq });
    expect(ok.sequence).toBe(5);
    // … on a tail another writer moved it is refused, and nothing is stored.
    const stale = (await a.cachedLast(opId))!;
    await b.publish("step.progress", payload(opId, "other"));
    const before = { ...a.counters };
    await expect(
      a.publish("step.artifacts", payload(opId, "artifacts"), { ifLastStreamSeq: stale.streamSeq }),
    ).rejects.toBeInstanceOf(EventTailMovedError);
    expect(delta(a.counters, before)).toMatchObject({ published: 0, conflicts: 1 });
    await expectGapFree(a, opId, 6);
    expect((await a.last(opId))!.payload.message).toBe("other");
    // A terminal event ends the op's publishing: its tail is not kept.
    await a.publish("op.completed", payload(opId, "done"));
    expect(await a.cachedLast(opId)).toBeUndefined();
  });
});
