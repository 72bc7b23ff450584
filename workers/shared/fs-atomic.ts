import { mkdir, rename, writeFile, chmod } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { randomBytes } from "node:crypto";

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o750;

/** Create a directory tree with the artifact dir mode (SPEC §8.1). */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Write a file atomically: temp file in the same directory, then rename, so a step cut off midway never
 * leaves a half-written artifact.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = FILE_MODE): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}
