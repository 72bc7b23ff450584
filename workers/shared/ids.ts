import { randomBytes } from "node:crypto";

/** 32 lowercase hex chars from 16 random bytes (SPEC §0.1 ID32). */
export function newId32(): string {
  return randomBytes(16).toString("hex");
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

/** RFC 3339 UTC with milliseconds (SPEC §0.2). */
export function nowIso(): string {
  return new Date().toISOString();
}

/** The serialised form of a time that was never set. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";
