// Refs read and written directly (gitrepository-layout(5)): HEAD, loose refs, then `packed-refs`. Only the shapes the
// platform needs; anything else (`main` short names, unusual ref names) is left to isomorphic-git by the callers.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readFileOrNull, writeFileAtomicSync } from "../shared/fs-atomic.js";
import { GIT_DIR_MODE } from "./objects.js";

const OID = /^[0-9a-f]{40}$/;
const SAFE_REF = /^refs\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/;

/** What HEAD holds: a symbolic ref (`refs/heads/main`) or a detached commit id; null when unreadable. */
export function readHead(gitdir: string): { ref: string } | { oid: string } | null {
  const text = readFileOrNull(join(gitdir, "HEAD"))?.toString("utf8").trim();
  if (text === undefined) return null;
  if (text.startsWith("ref: ")) {
    const ref = text.slice(5).trim();
    return isPlainRef(ref) ? { ref } : null;
  }
  return OID.test(text) ? { oid: text } : null;
}

/** Whether this module can handle `ref` itself: a full `refs/…` name without `..` or odd characters. */
export function isPlainRef(ref: string): boolean {
  return SAFE_REF.test(ref) && !ref.includes("..");
}

/** The commit a full ref name points at ('' when it does not exist); follows one symbolic level. */
export function resolveRef(gitdir: string, ref: string): string {
  for (let depth = 0; depth < 5; depth++) {
    const loose = readFileOrNull(join(gitdir, ref))?.toString("utf8").trim();
    if (loose === undefined) return packedRef(gitdir, ref);
    if (OID.test(loose)) return loose;
    if (!loose.startsWith("ref: ")) return "";
    ref = loose.slice(5).trim();
    if (!isPlainRef(ref)) return "";
  }
  return "";
}

function packedRef(gitdir: string, ref: string): string {
  let text: string;
  try {
    text = readFileSync(join(gitdir, "packed-refs"), "utf8");
  } catch {
    return "";
  }
  for (const line of text.split("\n")) {
    if (line.length > 41 && line[40] === " " && line.slice(41).trim() === ref) return line.slice(0, 40);
  }
  return "";
}

/** Point `ref` at `oid` (temp + rename, as isomorphic-git writes refs). */
export function writeRef(gitdir: string, ref: string, oid: string): void {
  writeFileAtomicSync(join(gitdir, ref), `${oid}\n`, 0o644, GIT_DIR_MODE);
}
