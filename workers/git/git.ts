import nodeFs from "node:fs";
import { lstat, rename, writeFile as fsWriteFile, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname } from "node:path";
import { join, posix } from "node:path";
import git, { type TreeEntry, type WalkerEntry } from "isomorphic-git";
import { ensureDir } from "../shared/fs-atomic.js";
import { StepError, TransientStepError } from "../types.js";

/** Upper bound for one git operation (SPEC §3.6: a git timeout is a transient failure). */
export const GIT_TIMEOUT_MS = 20_000;

/** The identity of every platform commit (SPEC §8.1 "Repo rules"). */
export const PLATFORM_AUTHOR = { name: "Local PaaS Bot", email: "paas-local@example.invalid" } as const;

/** Result of {@link commitPaths}. */
export interface CommitResult {
  /** Whether a new commit was made. */
  committed: boolean;
  /** HEAD after the call ('' when the repo still has no commits). */
  head: string;
}

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

/**
 * The filesystem isomorphic-git gets: every file it writes (objects, refs, index) goes to a temp file and is
 * renamed into place, so a process killed mid-write never leaves a truncated object that isomorphic-git
 * would later trust and fail to inflate.
 */
const fs = {
  ...nodeFs,
  promises: {
    ...nodeFs.promises,
    async writeFile(
      path: nodeFs.PathLike,
      data: string | Uint8Array,
      options?: nodeFs.WriteFileOptions,
    ): Promise<void> {
      const target = String(path);
      const tmp = `${dirname(target)}/.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await fsWriteFile(tmp, data, options);
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
  },
};

/**
 * Create `dir` (mode 0750) and `git init` it on branch `main` unless it already has a `.git`; idempotent, and
 * it repairs a `.git` whose init was cut off before HEAD was written.
 */
export async function initRepo(dir: string): Promise<void> {
  await withGitTimeout("initRepo", async () => {
    await ensureDir(dir);
    if (await exists(join(dir, ".git"))) {
      if (!(await exists(join(dir, ".git", "HEAD"))))
        await fs.promises.writeFile(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
      return;
    }
    await git.init({ fs, dir, defaultBranch: "main" });
  });
}

/** The checked-out branch's short name, or null when HEAD is detached. */
export async function currentBranch(dir: string): Promise<string | null> {
  return withGitTimeout("currentBranch", async () => (await git.currentBranch({ fs, dir, fullname: false })) ?? null);
}

/** The commit `ref` (default HEAD) points at, or '' when it does not resolve (no commits yet). */
export async function headSha(dir: string, ref = "HEAD"): Promise<string> {
  return withGitTimeout("headSha", () => resolveOrEmpty(dir, ref));
}

/**
 * Stage only `paths` (files or directories, relative to `dir`; deletions of tracked files under them included)
 * and commit them as the platform bot when that changes HEAD's tree (or there is no HEAD yet).
 */
export async function commitPaths(dir: string, paths: string[], subject: string): Promise<CommitResult> {
  return withGitTimeout("commitPaths", async () => {
    const owned = paths.map(normalizeRepoPath);
    const isOwned = (file: string) => owned.some((p) => p === "" || file === p || file.startsWith(`${p}/`));
    const cache = {};

    for (const p of owned) {
      if (await exists(join(dir, p))) await git.add({ fs, dir, cache, filepath: p === "" ? "." : p });
    }
    for (const file of await git.listFiles({ fs, dir, cache })) {
      if (isOwned(file) && !(await exists(join(dir, file)))) await git.remove({ fs, dir, cache, filepath: file });
    }

    const head = await resolveOrEmpty(dir, "HEAD");
    const headTree = head ? (await git.readCommit({ fs, dir, cache, oid: head })).commit.tree : "";
    const tree = await writeCommitTree(dir, cache, head, isOwned);
    if (head && tree === headTree) return { committed: false, head };

    const who = { ...PLATFORM_AUTHOR };
    const sha = await git.commit({
      fs,
      dir,
      cache,
      message: subject,
      author: who,
      committer: who,
      tree,
      parent: head ? [head] : [],
    });
    return { committed: true, head: sha };
  });
}

interface FlatEntry {
  path: string;
  mode: string;
  oid: string;
  type: "blob" | "commit";
}

/**
 * Write the tree to commit: owned paths as staged, everything else as in HEAD. Like `git commit --only`,
 * this keeps whatever the user staged elsewhere out of platform commits (and still staged).
 */
async function writeCommitTree(
  dir: string,
  cache: object,
  head: string,
  isOwned: (file: string) => boolean,
): Promise<string> {
  const trees = head ? [git.TREE({ ref: head }), git.STAGE()] : [git.STAGE()];
  const files: FlatEntry[] = await git.walk({
    fs,
    dir,
    cache,
    trees,
    map: async (filepath: string, entries: Array<WalkerEntry | null>) => {
      const [fromHead, fromStage] = head ? entries : [null, entries[0]];
      const entry = isOwned(filepath) ? fromStage : fromHead;
      if (!entry) return undefined;
      const type = await entry.type();
      // Trees are rebuilt below from their files; returning undefined keeps walking their children.
      if (type !== "blob" && type !== "commit") return undefined;
      return { path: filepath, mode: (await entry.mode()).toString(8), oid: await entry.oid(), type };
    },
  });
  return writeNestedTree(dir, files);
}

interface TreeNode {
  files: FlatEntry[];
  dirs: Map<string, TreeNode>;
}

/** Write tree objects for a flat file list, deepest first; returns the root tree oid. */
async function writeNestedTree(dir: string, files: FlatEntry[]): Promise<string> {
  const root: TreeNode = { files: [], dirs: new Map() };
  for (const file of files) {
    const parts = file.path.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.dirs.get(part);
      if (!child) {
        child = { files: [], dirs: new Map() };
        node.dirs.set(part, child);
      }
      node = child;
    }
    node.files.push({ ...file, path: parts[parts.length - 1] });
  }
  const write = async (node: TreeNode): Promise<string> => {
    const entries: TreeEntry[] = [...node.files];
    for (const [name, child] of node.dirs) {
      entries.push({ mode: "040000", path: name, oid: await write(child), type: "tree" });
    }
    return git.writeTree({ fs, dir, tree: entries });
  };
  return write(root);
}

async function resolveOrEmpty(dir: string, ref: string): Promise<string> {
  try {
    return await git.resolveRef({ fs, dir, ref });
  } catch (err) {
    if (err instanceof git.Errors.NotFoundError) return "";
    throw err;
  }
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

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
