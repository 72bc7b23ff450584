// Typed confirmations and promotion guardrails (SPEC §13 "Promote or release", delete dialog).

import { envRank, isProduction } from "./envs.js";

export type TransitionAction = "promote" | "release";

/** release when the target is production, else promote (the preview's `action` wins once it is known). */
export const transitionAction = (to: string): TransitionAction => (isProduction(to) ? "release" : "promote");

/** The phrase the user must type: `<promote|release> <from> to <to>`. */
export const confirmationPhrase = (action: TransitionAction, from: string, to: string) => `${action} ${from} to ${to}`;

const norm = (s: string) => s.trim().replace(/\s+/g, " ");

/** Exact match after trimming and collapsing runs of whitespace. */
export function confirmationMatches(typed: string, expected: string): boolean {
  return expected !== "" && norm(typed) === norm(expected);
}

export interface Guardrail {
  level: "error" | "warning";
  message: string;
}

/** Client checks before asking the server for a preview. Errors block the preview; warnings only inform. */
export function transitionGuardrails(from: string, to: string, envs: string[]): Guardrail[] {
  const out: Guardrail[] = [];
  if (!from || !to) {
    out.push({ level: "error", message: "Choose a source and a target environment." });
    return out;
  }
  if (from === to) out.push({ level: "error", message: "Source and target must differ." });
  if (!envs.includes(from)) out.push({ level: "error", message: `"${from}" is not an environment of this app.` });
  if (!envs.includes(to)) out.push({ level: "error", message: `"${to}" is not an environment of this app.` });
  if (out.length > 0) return out;
  if (envRank(to) < envRank(from))
    out.push({ level: "warning", message: `This moves an image backwards, from ${from} to ${to}.` });
  if (isProduction(from)) out.push({ level: "warning", message: "The source is a production environment." });
  return out;
}
