import type { KV } from "@nats-io/kv";
import { randomBytes } from "node:crypto";
import type { SecretStore } from "../../workers/types.js";
import { createJson, getJson, RevisionConflictError } from "./kv-json.js";
import { KvCache } from "./kv-cache.js";
import { nowIso } from "../../workers/shared/ids.js";

/** Webhook secrets in `paas_secrets` (SPEC §6.3). */
export class WebhookSecrets implements SecretStore {
  /** Mirror for the webhook's signature check (one lookup per delivery). */
  readonly cache: KvCache<{ secret: string }>;

  constructor(
    private readonly kv: KV,
    log: { warn(obj: object, msg?: string): void } = { warn() {} },
  ) {
    this.cache = new KvCache<{ secret: string }>(kv, log);
  }

  async get(projectId: string): Promise<string | null> {
    const mirrored = this.cache.get(`webhook.${projectId}`);
    if (mirrored) return mirrored.value.secret;
    return (await getJson<{ secret: string }>(this.kv, `webhook.${projectId}`))?.value.secret ?? null;
  }

  async getOrCreateWebhookSecret(projectId: string): Promise<string> {
    const existing = await this.get(projectId);
    if (existing) return existing;
    const secret = randomBytes(32).toString("hex");
    try {
      await createJson(this.kv, `webhook.${projectId}`, { secret, created_at: nowIso() });
      return secret;
    } catch (err) {
      if (!(err instanceof RevisionConflictError)) throw err;
      return (await this.get(projectId)) ?? secret; // a concurrent creator won: use theirs
    }
  }

  async delete(projectId: string): Promise<void> {
    await this.kv.purge(`webhook.${projectId}`);
  }
}
