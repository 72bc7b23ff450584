// The git index (`.git/index`, gitformat-index(5)) as far as platform commits need it: version 2/3 entries, read and
// written in full. Extensions are dropped on write, as isomorphic-git does (git rebuilds its cache tree); an index
// this code cannot keep intact (unmerged entries, split or sparse index, version 4, a bad checksum) is reported as
// unsupported so the caller can leave the repo to isomorphic-git.

import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { MODE_EXEC, MODE_FILE, MODE_SYMLINK } from "./objects.js";

/** One stage-0 index entry. */
export interface IndexEntry {
  path: string;
  oid: string;
  mode: number;
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
  assumeValid: boolean;
  skipWorktree: boolean;
  intentToAdd: boolean;
}

const SKIP_WORKTREE = 0x4000;
const INTENT_TO_ADD = 0x2000;
const KNOWN_EXTENSIONS = new Set(["TREE"]);

/** Parse an index file; null when it holds something this code would lose on rewrite. */
export function parseIndex(buf: Buffer): Map<string, IndexEntry> | null {
  if (buf.length < 32 || buf.toString("latin1", 0, 4) !== "DIRC") return null;
  const sum = createHash("sha1")
    .update(buf.subarray(0, buf.length - 20))
    .digest();
  if (!sum.equals(buf.subarray(buf.length - 20))) return null;
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const count = buf.readUInt32BE(8);
  const entries = new Map<string, IndexEntry>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    const start = at;
    const flags = buf.readUInt16BE(at + 60);
    if ((flags >> 12) & 0x3) return null; // unmerged: a conflict for the user to resolve, not for us to rewrite
    let extended = 0;
    at += 62;
    if (flags & 0x4000) {
      if (version < 3) return null;
      extended = buf.readUInt16BE(at);
      if (extended & ~(SKIP_WORKTREE | INTENT_TO_ADD)) return null;
      at += 2;
    }
    const nul = buf.indexOf(0, at);
    if (nul === -1) return null;
    const path = buf.toString("utf8", at, nul);
    entries.set(path, {
      path,
      ctimeSeconds: buf.readUInt32BE(start),
      ctimeNanoseconds: buf.readUInt32BE(start + 4),
      mtimeSeconds: buf.readUInt32BE(start + 8),
      mtimeNanoseconds: buf.readUInt32BE(start + 12),
      dev: buf.readUInt32BE(start + 16),
      ino: buf.readUInt32BE(start + 20),
      mode: buf.readUInt32BE(start + 24),
      uid: buf.readUInt32BE(start + 28),
      gid: buf.readUInt32BE(start + 32),
      size: buf.readUInt32BE(start + 36),
      oid: buf.toString("hex", start + 40, start + 60),
      assumeValid: (flags & 0x8000) !== 0,
      skipWorktree: (extended & SKIP_WORKTREE) !== 0,
      intentToAdd: (extended & INTENT_TO_ADD) !== 0,
    });
    // Entries are padded with 1-8 NULs to a multiple of 8 bytes.
    at = start + Math.ceil((nul + 1 - start) / 8) * 8;
    if (at > buf.length - 20) return null;
  }
  // Extensions: a 4-byte signature and a 4-byte size each. Unknown ones (split index `link`, sparse `sdir`, …) may
  // change what the entries mean, so leave such an index alone.
  while (at < buf.length - 20) {
    if (at + 8 > buf.length - 20) return null;
    if (!KNOWN_EXTENSIONS.has(buf.toString("latin1", at, at + 4))) return null;
    at += 8 + buf.readUInt32BE(at + 4);
  }
  return entries;
}

/** Serialise entries (in git's order: path bytes) as a version 2 index, or 3 when an entry needs extended flags. */
export function serializeIndex(entries: Iterable<IndexEntry>): Buffer {
  const sorted = [...entries]
    .map((e) => ({ e, path: Buffer.from(e.path) }))
    .sort((a, b) => Buffer.compare(a.path, b.path));
  const version = sorted.some(({ e }) => e.skipWorktree || e.intentToAdd) ? 3 : 2;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write("DIRC", 0, "latin1");
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  for (const { e, path } of sorted) {
    const extended = e.skipWorktree || e.intentToAdd;
    const fixed = 62 + (extended ? 2 : 0);
    const out = Buffer.alloc(Math.ceil((fixed + path.length + 1) / 8) * 8);
    const fields = [e.ctimeSeconds, e.ctimeNanoseconds, e.mtimeSeconds, e.mtimeNanoseconds, e.dev, e.ino, e.mode];
    fields.push(e.uid, e.gid, e.size);
    fields.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
    out.write(e.oid, 40, "hex");
    out.writeUInt16BE((e.assumeValid ? 0x8000 : 0) | (extended ? 0x4000 : 0) | Math.min(path.length, 0xfff), 60);
    if (extended) out.writeUInt16BE((e.skipWorktree ? SKIP_WORKTREE : 0) | (e.intentToAdd ? INTENT_TO_ADD : 0), 62);
    path.copy(out, fixed);
    parts.push(out);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}

/** The index mode of a file: a symlink, else 755 when any executable bit is set, else 644 (as isomorphic-git does). */
export function fileMode(st: BigIntStats): number {
  if (st.isSymbolicLink()) return MODE_SYMLINK;
  return Number(st.mode) & 0o111 ? MODE_EXEC : MODE_FILE;
}

const NS = 1_000_000_000n;
const U32 = 0xffffffffn;

/** An index entry for a file with the given stat and blob id; flags kept from the entry it replaces. */
export function entryFor(path: string, oid: string, st: BigIntStats, previous?: IndexEntry): IndexEntry {
  return {
    path,
    oid,
    mode: fileMode(st),
    ctimeSeconds: Number((st.ctimeNs / NS) & U32),
    ctimeNanoseconds: Number(st.ctimeNs % NS),
    mtimeSeconds: Number((st.mtimeNs / NS) & U32),
    mtimeNanoseconds: Number(st.mtimeNs % NS),
    dev: Number(st.dev & U32),
    ino: Number(st.ino & U32),
    uid: Number(st.uid & U32),
    gid: Number(st.gid & U32),
    size: Number(st.size & U32),
    assumeValid: false,
    skipWorktree: previous?.skipWorktree ?? false,
    intentToAdd: false,
  };
}

/**
 * Whether `entry` still describes the file with stat `st`, so its blob id can be trusted without reading the file.
 * Like git's racy-git rule, an entry whose mtime is not older than the index file itself is never trusted: the file
 * may have changed again within the same timestamp after the index was written.
 */
export function statMatches(entry: IndexEntry, st: BigIntStats, indexMtimeNs: bigint): boolean {
  const fresh = entryFor(entry.path, entry.oid, st);
  const entryMtimeNs = BigInt(entry.mtimeSeconds) * NS + BigInt(entry.mtimeNanoseconds);
  return (
    fresh.mode === entry.mode &&
    fresh.size === entry.size &&
    fresh.mtimeSeconds === entry.mtimeSeconds &&
    fresh.mtimeNanoseconds === entry.mtimeNanoseconds &&
    fresh.ctimeSeconds === entry.ctimeSeconds &&
    fresh.ctimeNanoseconds === entry.ctimeNanoseconds &&
    fresh.ino === entry.ino &&
    fresh.dev === entry.dev &&
    fresh.uid === entry.uid &&
    fresh.gid === entry.gid &&
    entryMtimeNs < indexMtimeNs
  );
}
