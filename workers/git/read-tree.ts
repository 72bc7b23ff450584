// Reading a commit's files for a build (SPEC §9.3) through the direct object reader (objects.ts): loose objects, as
// `git commit` writes them in the source repo, are read and inflated here, packs fall back to isomorphic-git. The ci
// op's imageBuilder reads every file of the commit, and isomorphic-git's per-object overhead was most of the context
// tar's time (P6, docs/BENCHMARKS.md).

import { join } from "node:path";
import { MODE_EXEC, MODE_GITLINK, MODE_SYMLINK, MODE_TREE, commitTree, parseTree, readObject } from "./objects.js";

/** One file of a committed tree: its path from the root, and its mode as the build context sets it. */
export interface CommittedFile {
  path: string;
  /** 0o644, 0o755, or 0o777 for a symlink. */
  mode: number;
  content: Buffer;
  /** The link target, for a symlink (content is then empty). */
  symlink?: string;
}

/** A commit's tree and committer time (seconds), or null when `oid` is not a commit of the repo at `dir`. */
export async function readCommitInfo(dir: string, oid: string): Promise<{ tree: string; committedAt: number } | null> {
  let o: { type: string; body: Buffer };
  try {
    o = await readObject(join(dir, ".git"), oid, {});
  } catch {
    return null;
  }
  if (o.type !== "commit") return null;
  const text = o.body.toString("utf8");
  const end = text.indexOf("\n\n");
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(end >= 0 ? text.slice(0, end) : text);
  return { tree: commitTree(o.body), committedAt: committer ? Number(committer[1]) : 0 };
}

/** Every file under a tree, depth first in tree order; submodules (gitlinks) are left out. */
export async function readTreeFiles(dir: string, tree: string): Promise<CommittedFile[]> {
  const gitdir = join(dir, ".git");
  const cache = {}; // isomorphic-git's pack cache, shared by the fallback reads of one walk
  const walk = async (oid: string, prefix: string): Promise<CommittedFile[]> => {
    const o = await readObject(gitdir, oid, cache);
    if (o.type !== "tree") throw new Error(`object ${oid} is a ${o.type}, not a tree`);
    const parts = await Promise.all(
      parseTree(o.body).map(async (e): Promise<CommittedFile[]> => {
        const path = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.mode === MODE_TREE) return walk(e.oid, path);
        if (e.mode === MODE_GITLINK) return [];
        const blob = (await readObject(gitdir, e.oid, cache)).body;
        if (e.mode === MODE_SYMLINK)
          return [{ path, mode: 0o777, content: Buffer.alloc(0), symlink: blob.toString("utf8") }];
        return [{ path, mode: e.mode === MODE_EXEC ? 0o755 : 0o644, content: blob }];
      }),
    );
    return parts.flat();
  };
  return walk(tree, "");
}

/** The bytes of the file at `path` (no leading slash) in the commit's root tree, or null when there is none. */
export async function readFileAtCommit(dir: string, commit: string, path: string): Promise<Buffer | null> {
  const info = await readCommitInfo(dir, commit);
  if (!info) return null;
  const gitdir = join(dir, ".git");
  let oid = info.tree;
  const names = path.split("/");
  for (const [i, name] of names.entries()) {
    const o = await readObject(gitdir, oid, {}).catch(() => null);
    if (!o || o.type !== "tree") return null;
    const entry = parseTree(o.body).find((e) => e.name === name);
    if (!entry) return null;
    const last = i === names.length - 1;
    if (last && (entry.mode === MODE_TREE || entry.mode === MODE_GITLINK)) return null;
    if (!last && entry.mode !== MODE_TREE) return null;
    oid = entry.oid;
  }
  const blob = await readObject(gitdir, oid, {}).catch(() => null);
  return blob?.type === "blob" ? blob.body : null;
}
