import { describe, expect, it } from "vitest";
import { describeWebhookReply, manualCommit, webhookBody } from "./webhook.js";

describe("manual commit", () => {
  it("is manual-<hex ms>-<6 hex>", () => {
    expect(manualCommit(0x18c6d1e2a00, () => 0)).toBe("manual-18c6d1e2a00-000000");
    expect(manualCommit(1, () => 0.999999999)).toBe("manual-1-ffffff");
    expect(manualCommit(Date.now())).toMatch(/^manual-[0-9a-f]+-[0-9a-f]{6}$/);
  });
});

describe("webhook body", () => {
  it("defaults to source/main/refs/heads/main and a manual commit", () => {
    expect(webhookBody("shop", {}, 255, () => 0.5)).toEqual({
      project_id: "shop",
      repo: "source",
      branch: "main",
      ref: "refs/heads/main",
      commit: "manual-ff-800000",
    });
  });
  it("applies non-blank overrides", () => {
    const b = webhookBody(
      "shop",
      { repo: "other", branch: " ", ref: "refs/heads/dev", commit: " abc123 " },
      1,
      () => 0,
    );
    expect(b).toEqual({ project_id: "shop", repo: "other", branch: "main", ref: "refs/heads/dev", commit: "abc123" });
  });
});

describe("webhook reply", () => {
  const base = { trigger: "source.main.webhook", project: "shop", commit: "c1" };
  it("accepted → success", () => {
    const op = {
      id: "x",
      kind: "ci" as const,
      project_id: "shop",
      requested: "",
      finished: "",
      status: "queued" as const,
      steps: [],
    };
    expect(describeWebhookReply({ ...base, accepted: true, reason: "", op })).toEqual({
      tone: "success",
      message: "Build queued for commit c1.",
    });
  });
  it("ignored → warning with the reason", () => {
    expect(
      describeWebhookReply({ ...base, accepted: false, reason: "ignored: commit already processed", op: null }),
    ).toEqual({ tone: "warning", message: "Webhook ignored: commit already processed." });
    expect(describeWebhookReply({ ...base, accepted: false, reason: "", op: null }).tone).toBe("warning");
  });
});
