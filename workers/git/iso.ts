// The git adapter's isomorphic-git implementation: the fallback for repos the direct code in commit.ts, objects.ts and
// refs.ts does not handle (detached HEAD, ignore rules, unusual index or ref shapes), and the reference it matches.

import nodeFs from "node:fs";
import { lstat, rename, writeFile as fsWriteFile, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import git, { type TreeEntry, type WalkerEntry } from "isomorphic-git";
import { PLATFORM_AUTHOR, type CommitResult } from "./types.js";

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

/** `git init` on branch `main`. */
export async function isoInit(dir: string): Promise<void> {
  await git.init({ fs, dir, defaultBranch: "main" });
}

/** The checked-out branch's short name, or null when HEAD is detached. */
export async function isoCurrentBranch(dir: string): Promise<string | null> {
  return (await git.currentBranch({ fs, dir, fullname: false })) ?? null;
}

/** The commit `ref` points at, or '' when it does not resolve (no commits yet). */
export async function isoHeadSha(dir: string, ref: string): Promise<string> {
  return resolveOrEmpty(dir, ref);
}

/**
 * Stage only `owned` (normalised repo paths, files or directories; deletions of tracked files under them included)
 * and commit them as the platform bot when that changes HEAD's tree (or there is no HEAD yet).
 */
export async function isoCommitPaths(dir: string, owned: string[], subject: string): Promise<CommitResult> {
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

export async function resolveOrEmpty(dir: string, ref: string): Promise<string> {
  try {
    return await git.resolveRef({ fs, dir, ref });
  } catch (err) {
    if (err instanceof git.Errors.NotFoundError) return "";
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
