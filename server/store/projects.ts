import type { KV } from "@nats-io/kv";
import type { Project } from "./types.js";
import { createJson, getJson, listKeys, updateJson, type Versioned } from "./kv-json.js";

/** Project records in `paas_projects` (SPEC §3.7); every write is atomic create or CAS. */
export class ProjectStore {
  constructor(private readonly kv: KV) {}

  get(id: string): Promise<Versioned<Project> | null> {
    return getJson<Project>(this.kv, id);
  }

  /** Atomic create; RevisionConflictError when the id is taken. */
  create(project: Project): Promise<number> {
    return createJson(this.kv, project.id, project);
  }

  /** CAS write; RevisionConflictError when the record changed since `revision`. */
  update(project: Project, revision: number): Promise<number> {
    return updateJson(this.kv, project.id, project, revision);
  }

  async delete(id: string): Promise<void> {
    await this.kv.purge(id);
  }

  /** Every project, `created_at` ascending. */
  async list(): Promise<Project[]> {
    const keys = await listKeys(this.kv, ">");
    const out: Project[] = [];
    for (const k of keys) {
      const p = await this.get(k);
      if (p) out.push(p.value);
    }
    return out.sort((a, b) =>
      a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1,
    );
  }
}
