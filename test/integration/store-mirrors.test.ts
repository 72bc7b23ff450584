// The in-memory mirrors and background writes of the stores against a real nats-server: the bounded webhook
// delivery mirror (authoritative misses, eviction with a KV fallback, racing claims), the one-pass start-up load
// of KV mirrors, and the lean acknowledged JetStream publisher used for request-path writes.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import type { KV } from "@nats-io/kv";
import { provisionJetStream, STREAMS, type JetStreamHandles } from "../../server/broker/index.js";
import {
  CommitStore,
  DeliveryStore,
  JetStreamPublisher,
  PublishError,
  casUpdate,
  getJson,
  type Versioned,
} from "../../server/store/index.js";
import { KvCache } from "../../server/store/kv-cache.js";
import { quiet, startTestBroker, type TestBroker } from "../support/nats.js";

let broker: TestBroker;
let nc: NatsConnection;
let h: JetStreamHandles;

/** The same KV, counting `get` calls (the round trips the mirrors exist to avoid). */
function counting(kv: KV): { kv: KV; gets: () => number } {
  let gets = 0;
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get")
        return (...args: Parameters<KV["get"]>) => {
          gets++;
          return target.get(...args);
        };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { kv: proxy, gets: () => gets };
}

beforeAll(async () => {
  broker = await startTestBroker("mirrors");
  nc = await connect({ servers: broker.url });
  h = await provisionJetStream(nc, 1);
});

afterAll(async () => {
  await nc?.close();
  await broker?.stop();
});

describe("DeliveryStore", () => {
  it("loads the recorded ids at start in one pass and answers misses without a KV get", async () => {
    for (let i = 0; i < 300; i++) await h.kv.deliveries.put(`loaded.d-${i}`, JSON.stringify({ status: "accepted" }));
    const c = counting(h.kv.deliveries);
    const store = new DeliveryStore(c.kv, quiet, { publisher: new JetStreamPublisher(nc) });
    await store.cache.start();
    try {
      expect(store.cache.ready).toBe(true);
      expect(store.cache.keys.size).toBe(300);
      for (let i = 0; i < 300; i += 7) expect(await store.claim("loaded", `d-${i}`)).toBeNull();
      for (let i = 0; i < 50; i++) {
        const claim = await store.claim("loaded", `fresh-${i}`);
        expect(claim).not.toBeNull();
        claim!.release();
      }
      expect(c.gets()).toBe(0);
    } finally {
      store.cache.stop();
    }
  });

  it("records in the mirror at once and in the KV in the background; a new process sees it", async () => {
    const store = new DeliveryStore(h.kv.deliveries, quiet, { publisher: new JetStreamPublisher(nc) });
    await store.cache.start();
    const claim = await store.claim("rec", "d-1");
    claim!.record("ignored: commit already processed");
    expect(await store.claim("rec", "d-1")).toBeNull(); // before the write is acknowledged
    await store.flush();
    store.cache.stop();
    const e = await h.kv.deliveries.get("rec.d-1");
    expect(e?.operation).toBe("PUT");
    expect(e?.json<{ status: string; at: string }>()).toMatchObject({ status: "ignored: commit already processed" });

    const restarted = counting(h.kv.deliveries);
    const next = new DeliveryStore(restarted.kv, quiet);
    await next.cache.start();
    expect(await next.claim("rec", "d-1")).toBeNull();
    expect(restarted.gets()).toBe(0);
    next.cache.stop();
  });

  it("gives one claim per id to concurrent requests: the others wait for its outcome", async () => {
    const store = new DeliveryStore(h.kv.deliveries, quiet, { publisher: new JetStreamPublisher(nc) });
    await store.cache.start();
    try {
      const settled: (string | null)[] = [];
      const claims = Array.from({ length: 10 }, () =>
        store.claim("race", "same").then((c) => {
          settled.push(c ? "claim" : null);
          return c;
        }),
      );
      const first = await claims[0];
      expect(first).not.toBeNull();
      expect(settled).toEqual(["claim"]); // nobody else got one while the first holds it
      // An error response gives the id back: exactly one waiter takes it over.
      first!.release();
      const second = await Promise.race(claims.slice(1));
      expect(second).not.toBeNull();
      expect(settled).toEqual(["claim", "claim"]);
      // A 202 records it: every remaining waiter sees a replay.
      second!.record("accepted");
      const rest = await Promise.all(claims);
      expect(rest.filter((c) => c !== null)).toHaveLength(2);
      expect(settled.filter((s) => s === null)).toHaveLength(8);
      await store.flush();
    } finally {
      store.cache.stop();
    }
  });

  it("bounds the mirror: evicted ids are still recognised, through the KV", async () => {
    const c = counting(h.kv.deliveries);
    const store = new DeliveryStore(c.kv, quiet, { publisher: new JetStreamPublisher(nc), maxEntries: 50 });
    await store.cache.start();
    try {
      const base = store.cache.keys.size;
      for (let i = 0; i < 200; i++) (await store.claim("bound", `d-${i}`))!.record("accepted");
      await store.flush();
      // The watch echoes every write, and an echo re-adds a key evicted meanwhile: wait until the echoes are all
      // applied (the watch is ordered, so a later write seen means every earlier one was), then pick the keys.
      await h.kv.deliveries.put("bound.sentinel", "{}");
      await vi.waitFor(() => expect(store.cache.keys.has("bound.sentinel")).toBe(true));
      expect(store.cache.keys.size).toBeLessThanOrEqual(50);
      expect(base + 200).toBeGreaterThan(50);
      const ids = Array.from({ length: 200 }, (_, i) => `d-${i}`);
      const evicted = ids.find((id) => store.cache.keys.has(`bound.${id}`) !== true);
      const held = ids.findLast((id) => store.cache.keys.has(`bound.${id}`) === true); // the newest, so not the one evicted next
      expect(evicted && held).toBeTruthy();
      const before = c.gets();
      expect(await store.claim("bound", evicted!)).toBeNull(); // evicted, found in the KV
      expect(c.gets()).toBe(before + 1);
      expect(await store.claim("bound", held!)).toBeNull(); // still held exactly
      expect(c.gets()).toBe(before + 1);
    } finally {
      store.cache.stop();
    }
  });
});

describe("CommitStore.claim with a ready mirror", () => {
  it("claims a new commit with one write (no read first), and the atomic create still decides a race", async () => {
    const c = counting(h.kv.commits);
    const commits = new CommitStore(c.kv, Date.now, quiet);
    await commits.cache.start();
    try {
      expect(await commits.claim("claims", "new-1")).toBe(true);
      expect(c.gets()).toBe(0);
      expect((await commits.get("claims", "new-1"))?.status).toBe("pending");
      // Racing claims of one new commit: one wins, the others are duplicates.
      const race = await Promise.all(Array.from({ length: 6 }, () => commits.claim("claims", "new-2")));
      expect(race.filter(Boolean)).toHaveLength(1);
      // A failed commit may run again: a CAS over the mirrored revision.
      await commits.settle("claims", "new-1", "0".repeat(32), "failed");
      const rev = (await h.kv.commits.get("claims.new-1"))!.revision;
      commits.cache.apply("claims.new-1", { commit: "new-1", status: "failed", updated_at: "" }, rev);
      expect(await commits.claim("claims", "new-1")).toBe(true);
    } finally {
      commits.cache.stop();
    }
  });

  it("falls back to reading the KV when the mirror is behind", async () => {
    const commits = new CommitStore(h.kv.commits, Date.now, quiet);
    await commits.cache.start();
    try {
      // Another process claimed it; this mirror has not seen that yet (forced here).
      await h.kv.commits.create(
        "claims.behind",
        JSON.stringify({ commit: "behind", status: "pending", updated_at: new Date().toISOString() }),
      );
      commits.cache.apply("claims.behind", null, Number.MAX_SAFE_INTEGER);
      expect(commits.cache.get("claims.behind")).toBeNull();
      expect(await commits.claim("claims", "behind")).toBe(false);
    } finally {
      commits.cache.stop();
    }
  });
});

describe("KvCache start-up", () => {
  it("loads every key's newest value in one pass over the history (no KV get per key)", async () => {
    const kv = h.kv.commits;
    for (let i = 0; i < 20; i++) {
      for (let rev = 0; rev < 3; rev++) await kv.put(`cache.k${i}`, JSON.stringify({ i, rev }));
    }
    await kv.put("cache.gone", JSON.stringify({ i: -1, rev: 0 }));
    await kv.delete("cache.gone");
    const c = counting(kv);
    const cache = new KvCache<{ i: number; rev: number }>(c.kv, quiet);
    await cache.start();
    try {
      expect(c.gets()).toBe(0);
      for (let i = 0; i < 20; i++) expect(cache.get(`cache.k${i}`)?.value).toEqual({ i, rev: 2 });
      expect(cache.get("cache.gone")).toBeNull();
      expect(cache.get("cache.never")).toBeNull();
    } finally {
      cache.stop();
    }
  });
});

describe("JetStreamPublisher", () => {
  it("stores what it publishes, and reports a subject no stream stores", async () => {
    const publisher = new JetStreamPublisher(nc);
    try {
      const results = await Promise.all(
        Array.from(
          { length: 25 },
          (_, i) =>
            new Promise<PublishError | undefined>((resolve) =>
              publisher.publish(`paas.audit.publisher-${i}`, JSON.stringify({ i }), undefined, resolve),
            ),
        ),
      );
      expect(results.every((r) => r === undefined)).toBe(true);
      const last = await h.jsm.streams.getMessage(STREAMS.audit, { last_by_subj: "paas.audit.publisher-24" });
      expect(last?.json()).toEqual({ i: 24 });
      const refused = await new Promise<PublishError | undefined>((resolve) =>
        publisher.publish("nowhere.stored", "{}", undefined, resolve),
      );
      expect(refused).toBeInstanceOf(PublishError);
      expect(refused?.message).toMatch(/no responders/);
      expect(publisher.pending).toBe(0);
    } finally {
      publisher.close();
    }
  });

  it("fails writes that are not acknowledged in time, and everything pending on close", async () => {
    // A stream that is never answered: a plain subscriber takes the subject and never replies.
    const sink = nc.subscribe("silent.subject");
    const publisher = new JetStreamPublisher(nc, 200);
    try {
      const timedOut = await new Promise<PublishError | undefined>((resolve) =>
        publisher.publish("silent.subject", "{}", undefined, resolve),
      );
      expect(timedOut?.message).toMatch(/timeout/);
      const pending = new Promise<PublishError | undefined>((resolve) =>
        publisher.publish("silent.subject", "{}", undefined, resolve),
      );
      await nc.flush();
      publisher.close();
      expect((await pending)?.message).toMatch(/closed/);
    } finally {
      sink.unsubscribe();
      publisher.close();
    }
  });
});

describe("casUpdate with a known version", () => {
  type Rec = { n: number; done?: boolean };
  const key = () => `cas-${Math.random().toString(36).slice(2)}`;

  it("writes from a current known version without reading the record first", async () => {
    const { kv, gets } = counting(h.kv.ops);
    const k = key();
    const revision = await h.kv.ops.put(k, JSON.stringify({ n: 1 }));
    const out = await casUpdate<Rec>(kv, k, (r) => ({ n: (r?.n ?? 0) + 1 }), 50, { value: { n: 1 }, revision });
    expect(out?.value).toEqual({ n: 2 });
    expect(gets()).toBe(0);
    expect((await getJson<Rec>(h.kv.ops, k))?.value).toEqual({ n: 2 });
  });

  it("a stale known version costs a failed write and a read, never a lost update", async () => {
    const { kv, gets } = counting(h.kv.ops);
    const k = key();
    const first = await h.kv.ops.put(k, JSON.stringify({ n: 1 }));
    await h.kv.ops.put(k, JSON.stringify({ n: 5 })); // another writer moved on
    const stale: Versioned<Rec> = { value: { n: 1 }, revision: first };
    const out = await casUpdate<Rec>(kv, k, (r) => ({ n: (r?.n ?? 0) + 1 }), 50, stale);
    expect(out?.value).toEqual({ n: 6 });
    expect(gets()).toBe(1);
  });

  it("decides 'no change' on the stored record, not on the known version", async () => {
    const { kv } = counting(h.kv.ops);
    const k = key();
    const first = await h.kv.ops.put(k, JSON.stringify({ n: 1, done: true }));
    await h.kv.ops.put(k, JSON.stringify({ n: 2 })); // stored: not done any more
    const stale: Versioned<Rec> = { value: { n: 1, done: true }, revision: first };
    const out = await casUpdate<Rec>(
      kv,
      k,
      (r) => (r?.done ? undefined : { n: (r?.n ?? 0) + 1, done: true }),
      50,
      stale,
    );
    expect(out?.value).toEqual({ n: 3, done: true });
    expect((await getJson<Rec>(h.kv.ops, k))?.value).toEqual({ n: 3, done: true });
  });
});
