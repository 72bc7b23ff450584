import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../workers/types.js";
import { ReleaseStore } from "./releases.js";
import { startTestBroker, type TestBroker } from "../../test/support/nats.js";

// A real nats-server (DESIGN §4: no mocked broker); each test gets its own bucket, so a fresh store sees a fresh
// bucket exactly as a first start would.
let broker: TestBroker;
let nc: NatsConnection;
let kvm: Kvm;
let buckets = 0;

beforeAll(async () => {
  broker = await startTestBroker("releases");
  nc = await connect({ servers: broker.url });
  kvm = new Kvm(jetstream(nc));
}, 30_000);

afterAll(async () => {
  await nc?.drain();
  await broker?.stop();
});

const freshBucket = () => kvm.create(`releases_test_${++buckets}`, { history: 10 });

function record(id: string, opId: string, env = "dev"): ReleaseRecord {
  return {
    id,
    project_id: "shop",
    environment: env,
    op_id: opId,
    op_kind: "deploy",
    delivery_stage: "deploy",
    image: `local/shop:${opId.slice(0, 12)}`,
    created_at: "2026-01-01T00:00:00Z",
  };
}

/** A record as the version before by-op keys wrote it: record, index, current pointer. */
async function writeLegacy(kv: KV, r: ReleaseRecord): Promise<void> {
  await kv.put(`release.${r.id}`, JSON.stringify(r));
  await kv.put(`index.${r.project_id}.${r.environment}`, JSON.stringify({ ids: [r.id], updated_at: r.created_at }));
  await kv.put(`current.${r.project_id}.${r.environment}`, JSON.stringify({ id: r.id, updated_at: r.created_at }));
}

const OP1 = "a".repeat(32);
const OP2 = "b".repeat(32);

describe("ReleaseStore.findForOp", () => {
  it("finds the record an op wrote through its by-op key, and nothing for other ops or environments", async () => {
    const kv = await freshBucket();
    const store = new ReleaseStore(kv);
    expect(await store.findForOp("shop", "dev", OP1)).toBeNull();
    await store.write(record("r1", OP1));
    expect(await store.findForOp("shop", "dev", OP1)).toMatchObject({ id: "r1", op_id: OP1 });
    expect(await store.findForOp("shop", "DEV", OP1)).toMatchObject({ id: "r1" });
    expect(await store.findForOp("shop", "staging", OP1)).toBeNull();
    expect(await store.findForOp("shop", "dev", OP2)).toBeNull();
    expect(JSON.parse((await kv.get(`release-op.${OP1}.dev`))!.string())).toEqual({ id: "r1" });
    expect(await store.index("shop", "dev")).toEqual(["r1"]);
    expect((await store.current("shop", "dev"))?.id).toBe("r1");
  });

  it("on a bucket without records, marks that no record lacks a by-op key", async () => {
    const kv = await freshBucket();
    await new ReleaseStore(kv).findForOp("shop", "dev", OP1);
    expect(JSON.parse((await kv.get("release-op-legacy"))!.string())).toEqual({ until: "0001-01-01T00:00:00Z" });
  });

  it("still finds a record written before by-op keys existed, by scanning while such ops may run", async () => {
    const kv = await freshBucket();
    await writeLegacy(kv, record("old", OP1));
    const store = new ReleaseStore(kv);
    expect(await store.findForOp("shop", "dev", OP1)).toMatchObject({ id: "old", op_id: OP1 });
    expect(await store.findForOp("shop", "dev", OP2)).toBeNull();
    const until = Date.parse(JSON.parse((await kv.get("release-op-legacy"))!.string()).until);
    expect(until - Date.now()).toBeGreaterThan(23 * 3600_000);
    // A second store (another process, a restart) keeps the first one's window rather than starting its own.
    await kv.put("release-op-legacy", JSON.stringify({ until: "2000-01-01T00:00:00Z" }));
    expect(await new ReleaseStore(kv).findForOp("shop", "dev", OP1)).toBeNull();
  });

  it("treats a by-op key whose record is missing (cut off between the puts) as not written, then heals", async () => {
    const kv = await freshBucket();
    const store = new ReleaseStore(kv);
    await kv.put(`release-op.${OP1}.dev`, JSON.stringify({ id: "lost" }));
    expect(await store.findForOp("shop", "dev", OP1)).toBeNull();
    await store.write(record("r2", OP1));
    expect(await store.findForOp("shop", "dev", OP1)).toMatchObject({ id: "r2" });
  });

  it("ignores a by-op key that names another op's record", async () => {
    const kv = await freshBucket();
    const store = new ReleaseStore(kv);
    await store.write(record("r3", OP2));
    await kv.put(`release-op.${OP1}.dev`, JSON.stringify({ id: "r3" }));
    expect(await store.findForOp("shop", "dev", OP1)).toBeNull();
  });
});
