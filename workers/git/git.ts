import { mkdirSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { ensureDir, writeFileAtomicSync } from "../shared/fs-atomic.js";
import { StepError, TransientStepError } from "../types.js";
import { commitSteps, UnsupportedRepo, type CommitOptions, type CommitStep } from "./commit.js";

export type { CommitOptions, CommitStep } from "./commit.js";
import { isoCommitPaths, isoCurrentBranch, isoHeadSha, isoInit } from "./iso.js";
import { GIT_DIR_MODE } from "./objects.js";
import { isPlainRef, readHead, resolveRef } from "./refs.js";
import { PLATFORM_AUTHOR, type CommitResult } from "./types.js";

export { PLATFORM_AUTHOR, type CommitResult } from "./types.js";
export { readCommitInfo, readFileAtCommit, readTreeFiles, type CommittedFile } from "./read-tree.js";

/** Upper bound for one git operation (SPEC §3.6: a git timeout is a transient failure). */
export const GIT_TIMEOUT_MS = 20_000;

/** Run `fn` bounded by `ms`; on expiry throw a TransientStepError naming `op`, other failures become StepErrors. */
export async function withGitTimeout<T>(op: string, fn: () => Promise<T>, ms = GIT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const after = ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
    timer = setTimeout(() => reject(new TransientStepError(`git operation timed out after ${after}: ${op}`)), ms);
  });
  try {
    // isomorphic-git cannot be cancelled: on timeout the work is abandoned, which is safe because every
    // write it makes is content-addressed or a ref/index update a retry simply redoes.
    return await Promise.race([fn(), expired]);
  } catch (err) {
    if (err instanceof StepError) throw err;
    throw new StepError(`git ${op} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

// What `git init` (isomorphic-git's, which made every existing repo) writes; the same layout and config, so repos
// made before and after look alike.
const INIT_DIRS = ["hooks", "info", "objects/info", "objects/pack", "refs/heads", "refs/tags"];
const INIT_CONFIG =
  "[core]\n\trepositoryformatversion = 0\n\tfilemode = false\n\tbare = false\n\tlogallrefupdates = true\n" +
  "\tsymlinks = false\n\tignorecase = true\n";
const INIT_HEAD = "ref: refs/heads/main\n";

const exists = (path: string) => statSync(path, { throwIfNoEntry: false }) !== undefined;

/**
 * Create `dir` (mode 0750) and `git init` it on branch `main` unless it already has a `.git`; idempotent, and
 * it repairs a `.git` whose init was cut off before HEAD was written.
 */
export async function initRepo(dir: string): Promise<void> {
  await withGitTimeout("initRepo", async () => {
    await ensureDir(dir);
    const gitdir = join(dir, ".git");
    if (exists(gitdir)) {
      if (!exists(join(gitdir, "HEAD"))) writeFileAtomicSync(join(gitdir, "HEAD"), INIT_HEAD, 0o644, GIT_DIR_MODE);
      return;
    }
    for (const d of INIT_DIRS) mkdirSync(join(gitdir, d), { recursive: true, mode: GIT_DIR_MODE });
    writeFileAtomicSync(join(gitdir, "config"), INIT_CONFIG, 0o644, GIT_DIR_MODE);
    writeFileAtomicSync(join(gitdir, "HEAD"), INIT_HEAD, 0o644, GIT_DIR_MODE);
  });
}

/** `git init` through isomorphic-git, for the test that keeps initRepo's layout equal to it. */
export const initRepoWithIsomorphicGit = isoInit;

/** The checked-out branch's short name, or null when HEAD is detached. */
export async function currentBranch(dir: string): Promise<string | null> {
  return withGitTimeout("currentBranch", async () => {
    const head = readHead(join(dir, ".git"));
    if (head && "oid" in head) return null;
    if (head?.ref.startsWith("refs/heads/")) return head.ref.slice("refs/heads/".length);
    return isoCurrentBranch(dir);
  });
}

/** The commit `ref` (default HEAD) points at, or '' when it does not resolve (no commits yet). */
export async function headSha(dir: string, ref = "HEAD"): Promise<string> {
  return withGitTimeout("headSha", async () => {
    const gitdir = join(dir, ".git");
    if (ref === "HEAD") {
      const head = readHead(gitdir);
      if (head && "oid" in head) return head.oid;
      if (head) return resolveRef(gitdir, head.ref);
    } else if (isPlainRef(ref) && exists(gitdir)) {
      return resolveRef(gitdir, ref);
    }
    return isoHeadSha(dir, ref);
  });
}

/**
 * Stage only `paths` (files or directories, relative to `dir`; deletions of tracked files under them included)
 * and commit them as the platform bot when that changes HEAD's tree (or there is no HEAD yet).
 */
export async function commitPaths(
  dir: string,
  paths: string[],
  subject: string,
  options: CommitOptions = {},
): Promise<CommitResult> {
  return commitSequence(dir, [{ paths, subject }], options);
}

/**
 * The commits of several {@link commitPaths} calls in a row, made in one pass: one index write and one ref update.
 * Each commit is made only when it changes the tree; returns the final HEAD.
 */
export async function commitSequence(
  dir: string,
  steps: CommitStep[],
  options: CommitOptions = {},
): Promise<CommitResult> {
  const normalized = steps.map((s) => ({ paths: s.paths.map(normalizeRepoPath), subject: s.subject }));
  return withGitTimeout("commitPaths", async () => {
    try {
      return await commitSteps(dir, normalized, PLATFORM_AUTHOR, options);
    } catch (err) {
      if (!(err instanceof UnsupportedRepo)) throw err;
    }
    let result: CommitResult = { committed: false, head: "" };
    for (const step of normalized) {
      const r = await isoCommitPaths(dir, step.paths, step.subject);
      result = { committed: result.committed || r.committed, head: r.head };
    }
    return result;
  });
}

/** A repo-relative POSIX path without `./` or trailing `/` ('' = the whole repo); rejects escapes. */
function normalizeRepoPath(p: string): string {
  const norm = posix.normalize(p.replaceAll("\\", "/")).replace(/\/+$/, "");
  if (norm === "." || norm === "") return "";
  if (posix.isAbsolute(norm) || norm === ".." || norm.startsWith("../")) {
    throw new StepError(`git path escapes the repository: ${p}`);
  }
  return norm;
}
