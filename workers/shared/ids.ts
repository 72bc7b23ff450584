import { randomFillSync } from "node:crypto";

/** Bytes drawn from the CSPRNG at a time: 256 ids per call instead of one call per id (a hot path: request ids). */
const POOL_BYTES = 4096;
const ID_BYTES = 16;
// Its own allocation (not a slice of Buffer's shared pool), refilled in place; each byte is handed out once.
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** 32 lowercase hex chars from 16 random bytes (SPEC §0.1 ID32), taken from a pool of CSPRNG output. */
export function newId32(): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const OP_ID_PATTERN = /^[0-9a-f]{32}$/;

/** First 12 characters of x (all of x if shorter). */
export function short12(x: string): string {
  return x.slice(0, 12);
}

/** SPEC §0.1 safeName: lower-case(trim), keep a-z0-9, map - _ space to -, drop others; empty → project. */
export function safeName(name: string): string {
  let out = "";
  for (const ch of name.trim().toLowerCase()) {
    if ((ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9")) out += ch;
    else if (ch === "-" || ch === "_" || ch === " ") out += "-";
  }
  return out === "" ? "project" : out;
}

let isoMs = Number.NaN;
let iso = "";

/** RFC 3339 UTC with milliseconds (SPEC §0.2). Formatted once per millisecond (a hot path: records per request). */
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    iso = new Date(ms).toISOString();
    isoMs = ms;
  }
  return iso;
}

/** The serialised form of a time that was never set. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
