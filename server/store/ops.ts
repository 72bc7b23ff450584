import type { KV } from "@nats-io/kv";
import type { StoredOp } from "./types.js";
import { casUpdate, createJson, getJson, listKeys, type Versioned } from "./kv-json.js";
import { nowIso } from "../../workers/shared/ids.js";

export interface OpIndex {
  ids: string[];
  updated_at: string;
}

const INDEX_CAP = 200;

/** Op records and per-project op indexes in `paas_ops` (SPEC §3.7). */
export class OpStore {
  constructor(private readonly kv: KV) {}

  get(id: string): Promise<Versioned<StoredOp> | null> {
    return getJson<StoredOp>(this.kv, `op.${id}`);
  }

  create(op: StoredOp): Promise<number> {
    return createJson(this.kv, `op.${op.id}`, op);
  }

  /** Remove an op record that never became visible (a lost enqueue race). */
  async remove(id: string): Promise<void> {
    await this.kv.purge(`op.${id}`);
  }

  /**
   * CAS read-modify-write of an op; `mutate` returns undefined to keep it unchanged. `known` (a version the caller
   * just read or wrote) is tried first instead of a read; a stale one costs a failed CAS, then the usual read.
   */
  mutate(
    id: string,
    mutate: (op: StoredOp) => StoredOp | undefined,
    known?: Versioned<StoredOp>,
  ): Promise<Versioned<StoredOp> | null> {
    return casUpdate<StoredOp>(this.kv, `op.${id}`, (cur) => (cur ? mutate(cur) : undefined), 50, known);
  }

  /** Put an op id at the head of its project's index (newest first, capped at 200). */
  async addToIndex(projectId: string, opId: string): Promise<void> {
    await casUpdate<OpIndex>(this.kv, `index.${projectId}`, (cur) => {
      const ids = [opId, ...(cur?.ids ?? []).filter((x) => x !== opId)].slice(0, INDEX_CAP);
      return { ids, updated_at: nowIso() };
    });
  }

  async index(projectId: string): Promise<string[]> {
    return (await getJson<OpIndex>(this.kv, `index.${projectId}`))?.value.ids ?? [];
  }

  async deleteIndex(projectId: string): Promise<void> {
    await this.kv.purge(`index.${projectId}`);
  }

  /** Up to `limit` op records (start-up recovery and index backfill). */
  async scan(limit = 5000): Promise<StoredOp[]> {
    const keys = (await listKeys(this.kv, "op.*")).slice(0, limit);
    const out: StoredOp[] = [];
    for (const k of keys) {
      const v = await getJson<StoredOp>(this.kv, k);
      if (v) out.push(v.value);
    }
    return out;
  }

  /** Merge missing op ids into each project's index (order requested desc, then id desc; cap 200). */
  async backfillIndexes(ops: StoredOp[]): Promise<number> {
    const byProject = new Map<string, StoredOp[]>();
    for (const op of ops) byProject.set(op.project_id, [...(byProject.get(op.project_id) ?? []), op]);
    let merged = 0;
    for (const [projectId, list] of byProject) {
      await casUpdate<OpIndex>(this.kv, `index.${projectId}`, (cur) => {
        const known = new Set(cur?.ids ?? []);
        const missing = list.filter((o) => !known.has(o.id));
        if (missing.length === 0) return undefined;
        merged += missing.length;
        const requested = new Map(list.map((o) => [o.id, o.requested]));
        const all = [...(cur?.ids ?? []), ...missing.map((o) => o.id)];
        all.sort((a, b) => {
          const ra = requested.get(a) ?? "";
          const rb = requested.get(b) ?? "";
          if (ra !== rb) return ra < rb ? 1 : -1;
          return a < b ? 1 : -1;
        });
        return { ids: all.slice(0, INDEX_CAP), updated_at: nowIso() };
      });
    }
    return merged;
  }
}
