import type { KV } from "@nats-io/kv";
import type { ReleaseRecord, ReleaseSink } from "../../workers/types.js";
import { casUpdate, getJson, listKeys } from "./kv-json.js";
import { nowIso } from "../../workers/shared/ids.js";

const INDEX_CAP = 200;

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

  async findForOp(projectId: string, env: string, opId: string): Promise<ReleaseRecord | null> {
    for (const id of (await this.index(projectId, env)).slice(0, 20)) {
      const r = await this.get(id);
      if (r && r.op_id === opId) return r;
    }
    return null;
  }

  async write(record: ReleaseRecord): Promise<void> {
    const r = normalizeRelease(record);
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
