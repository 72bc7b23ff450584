import { describe, expect, it } from "vitest";
import { auditExportUrl, auditQuery } from "./audit.js";

describe("audit", () => {
  it("builds the list query and export links", () => {
    expect(auditQuery({ projectId: "", action: "" })).toBe("limit=50");
    expect(auditQuery({ projectId: " shop ", action: "delivery.release" }, "YXVkaXQ6OQ")).toBe(
      "project_id=shop&action=delivery.release&limit=50&cursor=YXVkaXQ6OQ",
    );
    expect(auditExportUrl("csv", { projectId: "shop", action: "" })).toBe(
      "/api/audit/export?format=csv&project_id=shop",
    );
    expect(auditExportUrl("jsonl", { projectId: "", action: "" })).toBe("/api/audit/export?format=jsonl");
  });
});
