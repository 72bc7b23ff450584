import type { KV } from "@nats-io/kv";
import type { ReleaseRecord, ReleaseSink } from "../../workers/types.js";
import { casUpdate, createJson, getJson, listKeys, RevisionConflictError } from "./kv-json.js";
import { nowIso, ZERO_TIME } from "../../workers/shared/ids.js";

const INDEX_CAP = 200;

/** `release-op.<opId>.<env>` → `{id}`: the record an op wrote for an environment (written before the record). */
function byOpKey(opId: string, env: string): string {
  return `release-op.${opId}.${env.toLowerCase()}`;
}

/**
 * `release-op-legacy` → `{until}`: written once per bucket by the first store that keeps by-op keys. Until then,
 * records had none, so a miss may still be an old record of an op that was in flight across the upgrade; such ops
 * resume when the upgraded process starts, so a day covers them (`PAAS_WORK` drops work older than 24 h). A bucket
 * with no records at that moment gets ZERO_TIME: nothing to look for.
 */
const LEGACY_KEY = "release-op-legacy";
const LEGACY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Normalise a release record on write and read (SPEC §7.6). */
export function normalizeRelease(r: ReleaseRecord): ReleaseRecord {
  const trimPath = (p?: string) => (p === undefined ? undefined : p.replace(/^\/+|\/+$/g, ""));
  const out: ReleaseRecord = { ...r };
  if (out.environment) out.environment = out.environment.toLowerCase();
  if (out.to_env) out.to_env = out.to_env.toLowerCase();
  if (out.from_env) out.from_env = out.from_env.toLowerCase();
  if (!out.environment && out.to_env) out.environment = out.to_env;
  if (!out.to_env && out.environment) out.to_env = out.environment;
  if (!out.delivery_stage && out.op_kind)
    out.delivery_stage = ["promote", "release"].includes(out.op_kind) ? out.op_kind : "deploy";
  if (!out.op_kind && out.delivery_stage) out.op_kind = out.delivery_stage;
  if (out.rendered_path !== undefined) out.rendered_path = trimPath(out.rendered_path);
  if (out.config_path !== undefined) out.config_path = trimPath(out.config_path);
  return out;
}

/** Release records, per-environment indexes and current pointers in `paas_releases` (SPEC §3.7). */
export class ReleaseStore implements ReleaseSink {
  constructor(private readonly kv: KV) {}

  async get(id: string): Promise<ReleaseRecord | null> {
    const v = await getJson<ReleaseRecord>(this.kv, `release.${id}`);
    return v ? normalizeRelease(v.value) : null;
  }

  async index(projectId: string, env: string): Promise<string[]> {
    return (await getJson<{ ids: string[] }>(this.kv, `index.${projectId}.${env}`))?.value.ids ?? [];
  }

  async current(projectId: string, env: string): Promise<ReleaseRecord | null> {
    const cur = await getJson<{ id: string }>(this.kv, `current.${projectId}.${env}`);
    return cur ? this.get(cur.value.id) : null;
  }

  /**
   * The record already written for (op, env): one get on its by-op key. A by-op key whose record is missing is a
   * write cut off between the two puts: null, so the step writes the record again (and the key with it). Only while
   * records without by-op keys may belong to running ops (see LEGACY_KEY) does a miss fall back to scanning the
   * environment's newest records.
   */
  async findForOp(projectId: string, env: string, opId: string): Promise<ReleaseRecord | null> {
    const ref = await getJson<{ id: string }>(this.kv, byOpKey(opId, env));
    if (ref) {
      const r = await this.get(ref.value.id);
      return r && r.op_id === opId ? r : null;
    }
    if (Date.now() >= (await this.legacyUntil())) return null;
    for (const id of (await this.index(projectId, env.toLowerCase())).slice(0, 20)) {
      const r = await this.get(id);
      if (r && r.op_id === opId) return r;
    }
    return null;
  }

  async write(record: ReleaseRecord): Promise<void> {
    const r = normalizeRelease(record);
    // The by-op key goes first: a record is never without one, so findForOp never has to scan for new records.
    await this.kv.put(byOpKey(r.op_id, r.environment), JSON.stringify({ id: r.id }));
    await this.kv.put(`release.${r.id}`, JSON.stringify(r));
    await casUpdate<{ ids: string[]; updated_at: string }>(
      this.kv,
      `index.${r.project_id}.${r.environment}`,
      (cur) => ({
        ids: [r.id, ...(cur?.ids ?? []).filter((x) => x !== r.id)].slice(0, INDEX_CAP),
        updated_at: nowIso(),
      }),
    );
    await this.kv.put(`current.${r.project_id}.${r.environment}`, JSON.stringify({ id: r.id, updated_at: nowIso() }));
  }

  private legacy?: Promise<number>;

  /** Until when (ms) a by-op miss may hide a record written without a by-op key; read or set once per process. */
  private legacyUntil(): Promise<number> {
    this.legacy ??= this.readOrSetLegacyUntil().catch((err: unknown) => {
      this.legacy = undefined; // a NATS hiccup must not fix the answer for the life of the process
      throw err;
    });
    return this.legacy;
  }

  private async readOrSetLegacyUntil(): Promise<number> {
    for (;;) {
      const cur = await getJson<{ until: string }>(this.kv, LEGACY_KEY);
      if (cur) return Date.parse(cur.value.until);
      const anyRecord = (await listKeys(this.kv, "release.*")).length > 0;
      const until = anyRecord ? new Date(Date.now() + LEGACY_WINDOW_MS).toISOString() : ZERO_TIME;
      try {
        await createJson(this.kv, LEGACY_KEY, { until });
        return Date.parse(until);
      } catch (err) {
        if (!(err instanceof RevisionConflictError)) throw err; // another process set it first: read theirs
      }
    }
  }

  /** Remove a deleted project's indexes and current pointers; the records themselves remain. */
  async forgetProject(projectId: string): Promise<void> {
    for (const k of [
      ...(await listKeys(this.kv, `index.${projectId}.*`)),
      ...(await listKeys(this.kv, `current.${projectId}.*`)),
    ]) {
      await this.kv.purge(k);
    }
  }
}
