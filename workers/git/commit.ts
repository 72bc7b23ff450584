// Platform commits without isomorphic-git: stage owned paths into the index, build the commit tree (owned paths as
// staged, everything else as in HEAD), write objects, index and ref. Same result as the isomorphic-git code in
// iso.ts, which stays the fallback for every repo shape this file does not handle (see UnsupportedRepo).
//
// Why: a create made four commits through isomorphic-git, which opens, stats and rewrites files for every call (ref
// probes, ignore files, the index once per `add`) and deflates each object through web streams. Here a commit costs a
// few reads, one index write, one ref write and the new objects; file contents are only read when their stat changed.

import { lstatSync, readdirSync, readlinkSync, readFileSync, statSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { readFileOrNull, writeFileAtomicSync } from "../shared/fs-atomic.js";
import { entryFor, parseIndex, serializeIndex, statMatches, type IndexEntry } from "./index-file.js";
import {
  commitObject,
  commitTree,
  GIT_DIR_MODE,
  makeObject,
  MODE_TREE,
  parseTree,
  readObject,
  treeObject,
  writeObjects,
  type GitObject,
  type Signature,
  type TreeItem,
} from "./objects.js";
import { readHead, resolveRef, writeRef } from "./refs.js";

/** The repo has something this code does not handle; the caller falls back to isomorphic-git. */
export class UnsupportedRepo extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "UnsupportedRepo";
  }
}

/** How a commit may store its objects. */
export interface CommitOptions {
  /**
   * Let a repo's first commit, or one of many new objects, go into a pack instead of loose objects. Only for repos no
   * code reads through isomorphic-git (the manifests repo): it reloads a pack for every object it reads.
   */
  pack?: boolean;
}

/** One commit of a sequence: stage `paths` (repo-relative, normalised; '' = all) and commit them with `subject`. */
export interface CommitStep {
  paths: string[];
  subject: string;
}

// Parsed trees and commit→tree links, by object id: content-addressed, so safe to share between repos. Bounded.
const TREES = new Map<string, TreeItem[]>();
const COMMIT_TREES = new Map<string, string>();
const CACHE_MAX = 4096;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CACHE_MAX) map.clear();
  map.set(key, value);
}

function owns(paths: string[], file: string): boolean {
  return paths.some((p) => p === "" || file === p || file.startsWith(`${p}/`));
}

function ownsBelow(paths: string[], dir: string): boolean {
  return paths.some((p) => p === "" || p.startsWith(`${dir}/`));
}

const lstat = (path: string): BigIntStats | undefined => lstatSync(path, { bigint: true, throwIfNoEntry: false });

/**
 * Make the commits of `steps` on the branch HEAD names, each only when it changes the tree (or is the first commit);
 * returns the branch tip afterwards. Throws UnsupportedRepo before writing anything when the repo needs isomorphic-git.
 */
export async function commitSteps(
  dir: string,
  steps: CommitStep[],
  author: Omit<Signature, "timestamp" | "timezoneOffset">,
  options: CommitOptions = {},
): Promise<{ committed: boolean; head: string }> {
  const gitdir = join(dir, ".git");
  const head = readHead(gitdir);
  if (head === null || !("ref" in head)) throw new UnsupportedRepo("HEAD is detached or unreadable");
  const config = readFileOrNull(join(gitdir, "config"))?.toString("utf8") ?? "";
  if (/autocrlf/i.test(config)) throw new UnsupportedRepo("core.autocrlf is set");
  const allPaths = [...new Set(steps.flatMap((s) => s.paths))];
  checkNoIgnoreRules(dir, gitdir, allPaths);

  const indexPath = join(gitdir, "index");
  const indexBuf = readFileOrNull(indexPath);
  const entries = indexBuf === null ? new Map<string, IndexEntry>() : parseIndex(indexBuf);
  if (entries === null) throw new UnsupportedRepo("index has entries or extensions this code would lose");
  const indexMtimeNs = indexBuf === null ? 0n : (statSync(indexPath, { bigint: true }).mtimeNs ?? 0n);

  // Stage: every existing file under the owned paths; entries under them whose file is gone are dropped.
  const objects = new Map<string, GitObject>();
  let indexChanged = false;
  const stageFile = (rel: string, st: BigIntStats) => {
    const prev = entries.get(rel);
    if (prev && statMatches(prev, st, indexMtimeNs)) return;
    const path = join(dir, rel);
    const content = st.isSymbolicLink() ? Buffer.from(readlinkSync(path).replaceAll("\\", "/")) : readFileSync(path);
    const blob = makeObject("blob", content);
    if (prev?.oid !== blob.oid) objects.set(blob.oid, blob);
    entries.set(rel, entryFor(rel, blob.oid, st, prev));
    indexChanged = true;
  };
  const stageDir = (rel: string) => {
    const names = readdirSync(join(dir, rel));
    if (names.includes(".gitignore")) throw new UnsupportedRepo(`${rel}/.gitignore`);
    for (const name of names.sort()) {
      if (name === ".git") continue;
      const child = `${rel}/${name}`;
      const st = lstat(join(dir, child));
      if (!st) continue;
      if (st.isDirectory()) stageDir(child);
      else stageFile(child, st);
    }
  };
  for (const p of allPaths) {
    if (p === "") throw new UnsupportedRepo("the whole repo is owned");
    const st = lstat(join(dir, p));
    if (!st) continue;
    if (st.isDirectory()) stageDir(p);
    else stageFile(p, st);
  }
  for (const [path, entry] of entries) {
    if (!owns(allPaths, path)) continue;
    if (entry.intentToAdd || entry.skipWorktree) throw new UnsupportedRepo(`${path} has extended index flags`);
    if (!lstat(join(dir, path))) {
      entries.delete(path);
      indexChanged = true;
    }
  }

  // Commit: owned paths as staged, everything else as in the parent's tree.
  const cache = {};
  const known = new Set<string>();
  const readTree = async (oid: string): Promise<TreeItem[]> => {
    // A tree of the parent commit exists in the repo; one made by an earlier step of this call is not written yet.
    if (!objects.has(oid)) known.add(oid);
    let items = TREES.get(oid);
    if (!items) {
      const o = await readObject(gitdir, oid, cache);
      if (o.type !== "tree") throw new Error(`object ${oid} is a ${o.type}, not a tree`);
      items = parseTree(o.body);
      remember(TREES, oid, items);
    }
    return items;
  };
  const treeOf = async (commit: string): Promise<string> => {
    let tree = COMMIT_TREES.get(commit);
    if (!tree) {
      const o = await readObject(gitdir, commit, cache);
      if (o.type !== "commit") throw new Error(`object ${commit} is a ${o.type}, not a commit`);
      tree = commitTree(o.body);
      remember(COMMIT_TREES, commit, tree);
    }
    return tree;
  };

  const branch = head.ref;
  const parent = resolveRef(gitdir, branch);
  const timestamp = Math.floor(Date.now() / 1000);
  const who: Signature = { ...author, timestamp, timezoneOffset: new Date(timestamp * 1000).getTimezoneOffset() };
  let tip = parent;
  for (const step of steps) {
    const staged = stagedTree(entries, (path) => owns(step.paths, path));
    const base = tip ? await treeOf(tip) : "";
    const tree = await buildTree(step.paths, "", base || null, staged, readTree, objects);
    if (tip && tree === base) continue;
    const commit = commitObject({
      tree,
      parents: tip ? [tip] : [],
      author: who,
      committer: who,
      message: step.subject,
    });
    objects.set(commit.oid, commit);
    remember(COMMIT_TREES, commit.oid, tree);
    tip = commit.oid;
  }

  // Objects first, then the index that names them, then the ref: a crash in between leaves only unreferenced objects.
  writeObjects(
    gitdir,
    [...objects.values()].filter((o) => !known.has(o.oid)),
    options.pack ? { firstCommit: parent === "" } : null,
  );
  if (indexChanged) writeFileAtomicSync(indexPath, serializeIndex(entries.values()), 0o644, GIT_DIR_MODE);
  if (tip !== parent) writeRef(gitdir, branch, tip);
  return { committed: tip !== parent, head: tip };
}

interface StagedDir {
  files: Map<string, { mode: number; oid: string }>;
  dirs: Map<string, StagedDir>;
}

function stagedTree(entries: Map<string, IndexEntry>, isOwned: (path: string) => boolean): StagedDir {
  const root: StagedDir = { files: new Map(), dirs: new Map() };
  for (const e of entries.values()) {
    if (!isOwned(e.path)) continue;
    const parts = e.path.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.dirs.get(part);
      if (!child) {
        child = { files: new Map(), dirs: new Map() };
        node.dirs.set(part, child);
      }
      node = child;
    }
    node.files.set(parts[parts.length - 1], { mode: e.mode, oid: e.oid });
  }
  return root;
}

/**
 * Write the tree of directory `prefix`: entries of `base` (the parent commit's tree there) that no owned path
 * touches are kept by id without reading them; owned paths come from `staged`. Returns the tree id, or null for an
 * empty subdirectory (git stores none).
 */
async function buildTree(
  owned: string[],
  prefix: string,
  base: string | null,
  staged: StagedDir | undefined,
  readTree: (oid: string) => Promise<TreeItem[]>,
  objects: Map<string, GitObject>,
): Promise<string> {
  const items = new Map<string, TreeItem>();
  const merged = new Set<string>();
  for (const e of base ? await readTree(base) : []) {
    const path = prefix + e.name;
    if (owns(owned, path)) continue;
    if (e.mode === MODE_TREE && ownsBelow(owned, path)) {
      merged.add(e.name);
      const oid = await buildTree(owned, `${path}/`, e.oid, staged?.dirs.get(e.name), readTree, objects);
      if (oid) items.set(e.name, { name: e.name, mode: MODE_TREE, oid });
      continue;
    }
    items.set(e.name, e);
  }
  for (const [name, f] of staged?.files ?? []) {
    if (items.has(name)) throw new UnsupportedRepo(`${prefix}${name} is both a file and a directory`);
    items.set(name, { name, mode: f.mode, oid: f.oid });
  }
  for (const [name, child] of staged?.dirs ?? []) {
    if (merged.has(name)) continue;
    if (items.has(name)) throw new UnsupportedRepo(`${prefix}${name} is both a file and a directory`);
    const oid = await buildTree(owned, `${prefix}${name}/`, null, child, readTree, objects);
    if (oid) items.set(name, { name, mode: MODE_TREE, oid });
  }
  if (items.size === 0 && prefix !== "") return "";
  const tree = treeObject([...items.values()]);
  if (tree.oid !== base) {
    objects.set(tree.oid, tree);
    remember(TREES, tree.oid, [...items.values()]);
  }
  return tree.oid;
}

/** isomorphic-git honours `.gitignore` and `info/exclude` when it stages; a repo with either takes that path. */
function checkNoIgnoreRules(dir: string, gitdir: string, paths: string[]): void {
  const exclude = readFileOrNull(join(gitdir, "info", "exclude"))?.toString("utf8") ?? "";
  if (exclude.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("#"))) {
    throw new UnsupportedRepo("info/exclude has rules");
  }
  const dirs = new Set<string>([""]);
  for (const p of paths) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of dirs) {
    if (statSync(join(dir, d, ".gitignore"), { throwIfNoEntry: false })) throw new UnsupportedRepo(`${d}/.gitignore`);
  }
}
