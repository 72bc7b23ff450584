import { describe, expect, it } from "vitest";
import { csvRow, CSV_HEADER, decodeCursor, encodeCursor } from "./audit-log.js";
import { auditAction, auditOutcome } from "./middleware.js";

describe("audit actions and outcomes (SPEC §12.4)", () => {
  it.each([
    ["POST", "/api/events/registration", "project.register"],
    ["POST", "/api/projects", "project.create"],
    ["PUT", "/api/projects/abc", "project.update"],
    ["DELETE", "/api/projects/abc/", "project.delete"],
    ["POST", "/api/events/deployment", "delivery.deploy"],
    ["POST", "/api/events/promotion", "delivery.promotion"],
    ["POST", "/api/events/release", "delivery.release"],
    ["POST", "/api/events/rollback", "delivery.rollback"],
    ["POST", "/api/webhooks/source", "webhook.source"],
    ["POST", "/api/session", "session.create"],
    ["DELETE", "/api/session", "session.delete"],
  ])("%s %s → %s", (method, path, action) => {
    expect(auditAction(method, path)).toBe(action);
  });

  it("does not audit reads or previews", () => {
    expect(auditAction("GET", "/api/projects")).toBeNull();
    expect(auditAction("POST", "/api/events/promotion/preview")).toBeNull();
    expect(auditAction("POST", "/api/events/rollback/preview")).toBeNull();
    expect(auditAction("GET", "/api/session")).toBeNull();
  });

  it("maps statuses to outcomes", () => {
    expect(auditOutcome("project.create", 202)).toBe("accepted");
    expect(auditOutcome("project.create", 400)).toBe("rejected");
    expect(auditOutcome("project.create", 409)).toBe("rejected");
    expect(auditOutcome("project.create", 401)).toBe("denied");
    expect(auditOutcome("project.create", 500)).toBe("error");
    expect(auditOutcome("session.create", 200)).toBe("ok");
    expect(auditOutcome("session.delete", 204)).toBe("ok");
    expect(auditOutcome("session.create", 401)).toBe("denied");
    expect(auditOutcome("session.create", 400)).toBe("rejected");
  });
});

describe("audit export and cursors", () => {
  it("writes RFC 4180 rows in header order", () => {
    expect(CSV_HEADER).toBe("id,at,actor,action,project_id,op_id,outcome,status_code,request_id,remote_addr");
    const row = csvRow({
      id: "i",
      at: "2026-01-02T03:04:05.678Z",
      actor: 'bearer:"x"',
      action: "project.create",
      outcome: "accepted",
      status_code: 202,
      request_id: "a,b",
      remote_addr: "line\nbreak",
    });
    expect(row).toBe('i,2026-01-02T03:04:05.678Z,"bearer:""x""",project.create,,,accepted,202,"a,b","line\nbreak"');
  });

  it("round-trips cursors and refuses anything else", () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(decodeCursor("nonsense")).toBeNull();
    expect(decodeCursor(Buffer.from("audit:-1").toString("base64url"))).toBeNull();
  });
});
