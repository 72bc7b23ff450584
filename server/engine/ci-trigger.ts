import type { Project, Stores, StoredOp } from "../store/index.js";
import type { Enqueuer } from "./enqueue.js";
import { ProjectNotFoundError } from "./errors.js";

export type CiResult = { accepted: true; project: Project; op: StoredOp } | { accepted: false; reason: string };

export interface CiRequest {
  projectId: string;
  /** Trimmed commit; blank is never deduped. */
  commit: string;
  trigger: "source.main.webhook" | "source.main.watcher";
  request: { request_id: string; remote_addr: string; actor: string };
}

/**
 * Starts `ci` ops for source commits (SPEC §6.1 checks 8–11, §6.2), shared by the webhook and the commit
 * watcher so that hooks and watcher together yield one op per commit.
 */
export class CiTrigger {
  constructor(
    private readonly stores: Stores,
    private readonly enqueuer: Enqueuer,
  ) {}

  /** Throws ProjectNotFoundError (8), ActiveOperationError (10, claim released) or EnqueueError. */
  async trigger(req: CiRequest): Promise<CiResult> {
    if (!(await this.stores.projects.exists(req.projectId))) throw new ProjectNotFoundError(req.projectId);
    if (!(await this.stores.commits.claim(req.projectId, req.commit))) {
      return { accepted: false, reason: "ignored: commit already processed" };
    }
    try {
      const accepted = await this.enqueuer.submit({
        kind: "ci",
        projectId: req.projectId,
        queuedMessage: "queued ci from source webhook",
        input: { ...req.request, ...(req.commit ? { commit: req.commit } : {}), trigger: req.trigger },
      });
      await this.stores.commits.enqueued(req.projectId, req.commit, accepted.op.id);
      return { accepted: true, ...accepted };
    } catch (err) {
      await this.stores.commits.release(req.projectId, req.commit).catch(() => undefined);
      throw err;
    }
  }
}
