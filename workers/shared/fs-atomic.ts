import {
  closeSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, basename } from "node:path";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o750;

// Synchronous on purpose. A step writes dozens of small files to the local artifacts disk, and the promise API costs
// a thread-pool round trip per call (open, write, chmod, close, rename): about twice the CPU of the calls themselves,
// and CPU is what bounds step throughput (docs/BENCHMARKS.md P2, P7). Each call blocks the event loop for tens of
// microseconds.

/** Create a directory tree with the artifact dir mode (SPEC §8.1). */
export async function ensureDir(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

// Temp names: unique within this process by the counter, across processes by the random prefix (no CSPRNG call per
// file).
const TMP_PREFIX = randomBytes(6).toString("hex");
let tmpCounter = 0;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === "ENOENT";
}

/**
 * Write a file atomically: temp file in the same directory, then rename, so a step cut off midway never
 * leaves a half-written artifact. The directory is created (mode 0750) only when the first attempt finds it missing.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = FILE_MODE): Promise<void> {
  writeFileAtomicSync(path, data, mode);
}

/** {@link writeFileAtomic} for callers that are already synchronous (the git adapter). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  mode = FILE_MODE,
  dirMode = DIR_MODE,
): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${TMP_PREFIX}${(tmpCounter++).toString(36)}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, "wx", mode);
  } catch (err) {
    if (!isMissing(err)) throw err;
    mkdirSync(dir, { recursive: true, mode: dirMode });
    fd = openSync(tmp, "wx", mode);
  }
  try {
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off);
      // open() applied the umask; the artifact modes are part of the contract, so set them exactly.
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The file's bytes, or null when it does not exist. */
export function readFileOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException)?.code === "ENOTDIR") return null;
    throw err;
  }
}

/**
 * Write `path` like {@link writeFileAtomic} unless it already holds exactly `data` with `mode`; true when it wrote.
 * Rewriting an unchanged file costs a new inode and makes git re-hash it, and most renders change few files.
 */
export async function syncFile(path: string, data: string | Uint8Array, mode = FILE_MODE): Promise<boolean> {
  if (sameFile(path, typeof data === "string" ? Buffer.from(data) : data, mode)) return false;
  writeFileAtomicSync(path, data, mode);
  return true;
}

function sameFile(path: string, bytes: Uint8Array, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException)?.code === "ENOTDIR") return false;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== bytes.length || (st.mode & 0o7777) !== mode) return false;
    return readFileSync(fd).equals(bytes);
  } finally {
    closeSync(fd);
  }
}
