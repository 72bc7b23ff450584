// Git objects written and read without isomorphic-git: SHA-1 and zlib from node (native, synchronous), loose objects
// and packs in the formats git itself writes (gitformat-pack(5), gitrepository-layout(5)). Reading falls back to
// isomorphic-git for deltas (packs a user's `git gc` wrote); loose objects and whole packed objects are read here.

import { createHash } from "node:crypto";
import nodeFs, { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { deflateSync, inflateSync } from "node:zlib";
import { join } from "node:path";
import git from "isomorphic-git";
import { writeFileAtomicSync } from "../shared/fs-atomic.js";

/** The object types the platform writes. */
export type ObjectType = "blob" | "tree" | "commit";

/** An object ready to be stored: its id and its body (the content without the `<type> <size>\0` header). */
export interface GitObject {
  oid: string;
  type: ObjectType;
  body: Buffer;
}

/** Tree entry modes (git stores them as octal text; trees as `40000`). */
export const MODE_TREE = 0o040000;
export const MODE_FILE = 0o100644;
export const MODE_EXEC = 0o100755;
export const MODE_SYMLINK = 0o120000;
export const MODE_GITLINK = 0o160000;

/** One entry of a tree object. */
export interface TreeItem {
  name: string;
  mode: number;
  oid: string;
}

/** Hash an object the way git names it: SHA-1 over `<type> <size>\0<body>`. */
export function makeObject(type: ObjectType, body: Buffer): GitObject {
  const oid = createHash("sha1").update(`${type} ${body.length}\0`).update(body).digest("hex");
  return { oid, type, body };
}

/** A tree object: entries in git's order (names compared as bytes, a tree's name with a trailing `/`). */
export function treeObject(items: TreeItem[]): GitObject {
  const keyed = items.map((item) => ({
    item,
    key: Buffer.from(item.mode === MODE_TREE ? `${item.name}/` : item.name),
  }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { item } of keyed) {
    parts.push(Buffer.from(`${item.mode.toString(8)} ${item.name}\0`), Buffer.from(item.oid, "hex"));
  }
  return makeObject("tree", Buffer.concat(parts));
}

/** Parse a tree object's body. */
export function parseTree(body: Buffer): TreeItem[] {
  const items: TreeItem[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(32, at);
    const nul = body.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 21 > body.length) throw new Error("malformed tree object");
    items.push({
      mode: parseInt(body.toString("latin1", at, space), 8),
      name: body.toString("utf8", space + 1, nul),
      oid: body.toString("hex", nul + 1, nul + 21),
    });
    at = nul + 21;
  }
  return items;
}

/** The identity and time of a commit's author or committer. */
export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes as `Date#getTimezoneOffset` gives them (UTC − local). */
  timezoneOffset: number;
}

function formatOffset(minutesBehindUtc: number): string {
  const sign = minutesBehindUtc > 0 ? "-" : "+";
  const abs = Math.abs(minutesBehindUtc);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

/** A commit message as isomorphic-git and `git commit` store it: no CRs, no leading blank lines, one final `\n`. */
export function normalizeMessage(message: string): string {
  return `${message.replace(/\r/g, "").replace(/^\n+/, "").replace(/\n+$/, "")}\n`;
}

/** A commit object. */
export function commitObject(c: {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}): GitObject {
  const who = (s: Signature) => `${s.name} <${s.email}> ${s.timestamp} ${formatOffset(s.timezoneOffset)}`;
  const text =
    `tree ${c.tree}\n` +
    c.parents.map((p) => `parent ${p}\n`).join("") +
    `author ${who(c.author)}\n` +
    `committer ${who(c.committer)}\n` +
    `\n${normalizeMessage(c.message)}`;
  return makeObject("commit", Buffer.from(text));
}

/** The tree a commit object names. */
export function commitTree(body: Buffer): string {
  const m = /^tree ([0-9a-f]{40})\n/.exec(body.toString("latin1", 0, 46));
  if (!m) throw new Error("malformed commit object");
  return m[1];
}

/** Where a loose object lives. */
export function loosePath(gitdir: string, oid: string): string {
  return join(gitdir, "objects", oid.slice(0, 2), oid.slice(2));
}

/** Whether `oid` is stored as a loose object (packed objects are not looked for: writing one again is harmless). */
export function hasLooseObject(gitdir: string, oid: string): boolean {
  return statSync(loosePath(gitdir, oid), { throwIfNoEntry: false }) !== undefined;
}

/**
 * Read an object: loose objects and whole (undeltified) objects in a pack directly, deltas through isomorphic-git.
 * `cache` holds the parsed pack indexes (and isomorphic-git's own cache) for the reads that share it.
 */
export async function readObject(gitdir: string, oid: string, cache: object): Promise<{ type: string; body: Buffer }> {
  let raw: Buffer | undefined;
  try {
    raw = inflateSync(readFileSync(loosePath(gitdir, oid)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (raw === undefined) {
    const packed = readPacked(gitdir, oid, cache);
    if (packed) return packed;
    const found = await git.readObject({ fs: nodeFs, gitdir, oid, format: "content", cache });
    return { type: found.type, body: Buffer.from(found.object as Uint8Array) };
  }
  const nul = raw.indexOf(0);
  const [type, size] = raw.toString("latin1", 0, nul).split(" ");
  const body = raw.subarray(nul + 1);
  if (Number(size) !== body.length) throw new Error(`object ${oid} is corrupt (size ${size} != ${body.length})`);
  return { type, body };
}

/** A pack's version-2 index (gitformat-pack(5)): the fan-out table, the sorted ids and their offsets. */
interface PackIndex {
  pack: string;
  fanout: Uint32Array;
  ids: Buffer;
  offsets: (i: number) => number;
}

const PACK_TYPES: Record<number, string> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const packIndexes = new WeakMap<object, Map<string, PackIndex[]>>();

function loadPackIndex(idxPath: string): PackIndex | null {
  const b = readFileSync(idxPath);
  if (b.length < 8 + 1024 || b.readUInt32BE(0) !== 0xff744f63 || b.readUInt32BE(4) !== 2) return null;
  const fanout = new Uint32Array(256);
  for (let i = 0; i < 256; i++) fanout[i] = b.readUInt32BE(8 + 4 * i);
  const n = fanout[255];
  const idsAt = 8 + 1024;
  const offsetsAt = idsAt + 20 * n + 4 * n;
  const largeAt = offsetsAt + 4 * n;
  return {
    pack: `${idxPath.slice(0, -4)}.pack`,
    fanout,
    ids: b.subarray(idsAt, idsAt + 20 * n),
    offsets: (i) => {
      const o = b.readUInt32BE(offsetsAt + 4 * i);
      if (!(o & 0x80000000)) return o;
      return Number(b.readBigUInt64BE(largeAt + 8 * (o & 0x7fffffff)));
    },
  };
}

function packIndexesOf(gitdir: string, cache: object): PackIndex[] {
  let byDir = packIndexes.get(cache);
  if (!byDir) packIndexes.set(cache, (byDir = new Map()));
  let found = byDir.get(gitdir);
  if (!found) {
    const dir = join(gitdir, "objects", "pack");
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith(".idx"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    found = names.map((f) => loadPackIndex(join(dir, f))).filter((x): x is PackIndex => x !== null);
    byDir.set(gitdir, found);
  }
  return found;
}

/** A whole object from a pack, or undefined when no pack has it or it is stored as a delta (isomorphic-git's job). */
function readPacked(gitdir: string, oid: string, cache: object): { type: string; body: Buffer } | undefined {
  const id = Buffer.from(oid, "hex");
  for (const idx of packIndexesOf(gitdir, cache)) {
    let lo = id[0] === 0 ? 0 : idx.fanout[id[0] - 1];
    let hi = idx.fanout[id[0]];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = Buffer.compare(idx.ids.subarray(20 * mid, 20 * mid + 20), id);
      if (c === 0) return readPackEntry(idx.pack, idx.offsets(mid), oid);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  return undefined;
}

function readPackEntry(pack: string, offset: number, oid: string): { type: string; body: Buffer } | undefined {
  const fd = openSync(pack, "r");
  try {
    const head = Buffer.alloc(16);
    const got = readSync(fd, head, 0, head.length, offset);
    let c = head[0];
    const type = PACK_TYPES[(c >> 4) & 7];
    if (!type) return undefined; // OFS_DELTA / REF_DELTA
    let size = c & 0x0f;
    let at = 1;
    for (let mult = 16; c & 0x80 && at < got; mult *= 128) {
      c = head[at++];
      size += (c & 0x7f) * mult;
    }
    // zlib never grows data by more than a few bytes per 16 KiB block; inflate ignores what follows the stream.
    const data = Buffer.alloc(size + (size >> 8) + 64);
    const n = readSync(fd, data, 0, data.length, offset + at);
    const body = inflateSync(data.subarray(0, n));
    if (body.length !== size) throw new Error(`object ${oid} is corrupt in ${pack} (size ${size} != ${body.length})`);
    return { type, body };
  } finally {
    closeSync(fd);
  }
}

/** Directories inside `.git` get git's own mode (0777 less the umask), as isomorphic-git and the git CLI create them. */
export const GIT_DIR_MODE = 0o777;

// Platform objects are a few KB at most: a 4 KB window and small hash tables compress them as well as zlib's
// defaults (64 KB window, 256 KB of state to set up per call) at half the cost; any inflater reads the stream.
const DEFLATE = { windowBits: 12, memLevel: 4 } as const;

/** When packing is allowed, commits of at least this many new objects are written as one pack. */
export const PACK_THRESHOLD = 8;

/**
 * Store objects loose, as `git commit` does, or, when `pack` allows it, as one pack for a repo's first commit or a
 * commit of many objects (a file and often a fan-out dir per loose object). Loose objects that exist are skipped.
 * Only for repos nothing reads through isomorphic-git: without a shared cache it re-reads a pack for every object.
 */
export function writeObjects(
  gitdir: string,
  objects: Iterable<GitObject>,
  pack: { firstCommit: boolean } | null,
): void {
  const fresh = [...objects].filter((o) => !hasLooseObject(gitdir, o.oid));
  if (pack && (fresh.length >= PACK_THRESHOLD || (pack.firstCommit && fresh.length > 1))) writePack(gitdir, fresh);
  else for (const o of fresh) writeLoose(gitdir, o);
}

function writeLoose(gitdir: string, o: GitObject): void {
  const data = deflateSync(Buffer.concat([Buffer.from(`${o.type} ${o.body.length}\0`), o.body]), DEFLATE);
  // Objects are read-only, as git writes them; temp + rename, so a crash never leaves a truncated object.
  writeFileAtomicSync(loosePath(gitdir, o.oid), data, 0o444, GIT_DIR_MODE);
}

const PACK_TYPE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

function packHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (PACK_TYPE[type] << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Write a version-2 pack of whole (undeltified) objects and its version-2 index; the index last, as git does. */
function writePack(gitdir: string, objects: GitObject[]): void {
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  const entries: { oid: Buffer; crc: number; offset: number }[] = [];
  let offset = 12;
  for (const o of objects) {
    const packed = Buffer.concat([packHeader(o.type, o.body.length), deflateSync(o.body, DEFLATE)]);
    entries.push({ oid: Buffer.from(o.oid, "hex"), crc: crc32(packed), offset });
    parts.push(packed);
    offset += packed.length;
  }
  if (offset >= 0x80000000) throw new Error("pack too large for 32-bit offsets");
  const body = Buffer.concat(parts);
  const packSum = createHash("sha1").update(body).digest();
  const pack = Buffer.concat([body, packSum]);

  entries.sort((a, b) => Buffer.compare(a.oid, b.oid));
  const fanout = Buffer.alloc(256 * 4);
  for (let b = 0, i = 0; b < 256; b++) {
    while (i < entries.length && entries[i].oid[0] <= b) i++;
    fanout.writeUInt32BE(i, b * 4);
  }
  const crcs = Buffer.alloc(entries.length * 4);
  const offsets = Buffer.alloc(entries.length * 4);
  entries.forEach((e, i) => {
    crcs.writeUInt32BE(e.crc, i * 4);
    offsets.writeUInt32BE(e.offset, i * 4);
  });
  const idxBody = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    ...entries.map((e) => e.oid),
    crcs,
    offsets,
    packSum,
  ]);
  const idx = Buffer.concat([idxBody, createHash("sha1").update(idxBody).digest()]);

  const dir = join(gitdir, "objects", "pack");
  mkdirSync(dir, { recursive: true, mode: GIT_DIR_MODE });
  const name = join(dir, `pack-${packSum.toString("hex")}`);
  writeFileAtomicSync(`${name}.pack`, pack, 0o444);
  writeFileAtomicSync(`${name}.idx`, idx, 0o444);
}
