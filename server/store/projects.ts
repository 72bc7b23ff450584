import type { KV } from "@nats-io/kv";
import type { Project } from "./types.js";
import { createJson, getJson, listKeys, updateJson, type Versioned } from "./kv-json.js";
import { KvCache } from "./kv-cache.js";

function byCreated(a: Project, b: Project): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Project records in `paas_projects` (SPEC §3.7); every write is atomic create or CAS. */
export class ProjectStore {
  /** Mirror for lists and existence checks; CAS reads go to the KV. */
  readonly cache: KvCache<Project>;

  constructor(
    private readonly kv: KV,
    log: { warn(obj: object, msg?: string): void } = { warn() {} },
  ) {
    this.cache = new KvCache<Project>(kv, log);
  }

  get(id: string): Promise<Versioned<Project> | null> {
    return getJson<Project>(this.kv, id);
  }

  /** Whether a project exists, from the mirror when it is ready. */
  async exists(id: string): Promise<boolean> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached !== null;
    return (await this.get(id)) !== null;
  }

  /** Atomic create; RevisionConflictError when the id is taken. */
  async create(project: Project): Promise<number> {
    const revision = await createJson(this.kv, project.id, project);
    this.cache.apply(project.id, project, revision);
    return revision;
  }

  /** CAS write; RevisionConflictError when the record changed since `revision`. */
  async update(project: Project, revision: number): Promise<number> {
    const next = await updateJson(this.kv, project.id, project, revision);
    this.cache.apply(project.id, project, next);
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.kv.purge(id);
    const e = await this.kv.get(id).catch(() => null);
    if (e) this.cache.apply(id, null, e.revision);
  }

  private listMemo?: { version: number; bytes: Buffer };

  /**
   * `list()` serialised as the API sends it (compact JSON + `\n`, UTF-8), memoised on the mirror's version: the
   * hot read path answers with the same bytes until a project changes, with no per-request encode.
   */
  async listJson(): Promise<Buffer> {
    if (this.cache.ready && this.listMemo?.version === this.cache.version) return this.listMemo.bytes;
    const version = this.cache.version;
    const bytes = Buffer.from(`${JSON.stringify(await this.list())}\n`, "utf8");
    if (this.cache.ready && this.cache.version === version) this.listMemo = { version, bytes };
    return bytes;
  }

  /** Every project, `created_at` ascending (from the mirror when it is ready). */
  async list(): Promise<Project[]> {
    const cached = this.cache.values();
    if (cached) return cached.sort(byCreated);
    const out: Project[] = [];
    for (const k of await listKeys(this.kv, ">")) {
      const p = await this.get(k);
      if (p) out.push(p.value);
    }
    return out.sort(byCreated);
  }
}
