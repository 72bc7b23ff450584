import fs from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import { watch, type FSWatcher } from "chokidar";
import type { StepLogger } from "../types.js";

/** A commit the watcher saw at the head of a source repo's `main`. */
export interface SeenCommit {
  projectId: string;
  sha: string;
  subject: string;
}

/** What became of a seen commit: remembered (accepted/deduped) or to be looked at again (retry). */
export type CommitOutcome = "accepted" | "deduped" | "retry";

export interface CommitWatcherOptions {
  artifactsRoot: string;
  /** Ids of the projects whose source repos to watch. */
  listProjects(): Promise<string[]>;
  onCommit(commit: SeenCommit): Promise<CommitOutcome>;
  log: StepLogger;
  /** Safety poll interval (SPEC §6.4: 2 s). */
  pollMs?: number;
}

/** Read the source repo's HEAD branch, sha and subject; null when the repo is missing or has no commit. */
export async function readHead(repo: string): Promise<{ branch: string | null; sha: string; subject: string } | null> {
  try {
    const branch = (await git.currentBranch({ fs, dir: repo, fullname: false })) ?? null;
    const sha = await git.resolveRef({ fs, dir: repo, ref: "HEAD" });
    const { commit } = await git.readCommit({ fs, dir: repo, oid: sha });
    return { branch, sha, subject: commit.message.split("\n")[0] ?? "" };
  } catch {
    return null;
  }
}

/**
 * The commit watcher of SPEC §6.4: chokidar on each source repo's `.git/HEAD`, `.git/refs/heads/` and
 * `.git/packed-refs`, plus a 2 s safety poll; a new commit on `main` that is not a platform commit is handed to
 * `onCommit` (which runs the webhook's checks 8–11).
 */
export class CommitWatcher {
  private readonly lastSeen = new Map<string, string>();
  private readonly checking = new Set<string>();
  private readonly watched = new Set<string>();
  private fsWatcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: CommitWatcherOptions) {}

  private repoOf(projectId: string): string {
    return join(this.o.artifactsRoot, projectId, "repos", "source");
  }

  start(): void {
    this.fsWatcher = watch([], { ignoreInitial: true, depth: 3 });
    this.fsWatcher.on("all", (_event, path) => {
      const rel = path.startsWith(this.o.artifactsRoot) ? path.slice(this.o.artifactsRoot.length + 1) : "";
      const projectId = rel.split("/")[0];
      if (projectId) void this.check(projectId);
    });
    const tick = () => {
      void this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 2000);
      });
    };
    tick();
  }

  /** Look at every project once (also picks up new projects to watch). */
  async poll(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.o.listProjects();
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "commit watcher: cannot list projects");
      return;
    }
    for (const id of ids) {
      if (!this.watched.has(id)) {
        const git = join(this.repoOf(id), ".git");
        this.fsWatcher?.add([join(git, "HEAD"), join(git, "refs", "heads"), join(git, "packed-refs")]);
        this.watched.add(id);
      }
      await this.check(id);
    }
  }

  /** Check one project's source repo HEAD. */
  async check(projectId: string): Promise<void> {
    if (this.stopped || this.checking.has(projectId)) return;
    this.checking.add(projectId);
    try {
      const head = await readHead(this.repoOf(projectId));
      if (head?.branch !== "main" || head.subject.trim().startsWith("platform-sync:")) return;
      if (this.lastSeen.get(projectId) === head.sha) return;
      const outcome = await this.o.onCommit({ projectId, sha: head.sha, subject: head.subject });
      if (outcome !== "retry") this.lastSeen.set(projectId, head.sha);
    } catch (err) {
      this.o.log.warn({ project_id: projectId, err: (err as Error).message }, "commit watcher: check failed");
    } finally {
      this.checking.delete(projectId);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.fsWatcher?.close();
  }
}
