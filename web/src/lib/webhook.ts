// "Build latest source": the webhook body the button posts and how its reply is shown (SPEC §6.1, §13).

import type { WebhookReply } from "../types.js";

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** `manual-<hex ms>-<6 hex>`; `random` returns a value in [0, 1). */
export function manualCommit(nowMs: number, random: () => number = Math.random): string {
  return `manual-${Math.floor(nowMs).toString(16)}-${hex(Math.floor(random() * 0x1000000), 6)}`;
}

export interface WebhookOverrides {
  repo?: string;
  branch?: string;
  ref?: string;
  commit?: string;
}

/** Defaults repo `source`, branch `main`, ref `refs/heads/main`, a manual commit; blank overrides keep defaults. */
export function webhookBody(
  projectId: string,
  overrides: WebhookOverrides = {},
  nowMs = Date.now(),
  random: () => number = Math.random,
): Record<string, string> {
  const pick = (v: string | undefined, d: string) => (v && v.trim() !== "" ? v.trim() : d);
  return {
    project_id: projectId,
    repo: pick(overrides.repo, "source"),
    branch: pick(overrides.branch, "main"),
    ref: pick(overrides.ref, "refs/heads/main"),
    commit: pick(overrides.commit, manualCommit(nowMs, random)),
  };
}

/** Accepted → success with the op; an `ignored: …` reply → a warning (SPEC §13). */
export function describeWebhookReply(reply: WebhookReply): { tone: "success" | "warning"; message: string } {
  if (reply.accepted && reply.op) {
    return { tone: "success", message: `Build queued for commit ${reply.commit || "(none)"}.` };
  }
  const reason = reply.reason?.replace(/^ignored:\s*/, "") || "the server did not start a build";
  return { tone: "warning", message: `Webhook ignored: ${reason}.` };
}
