import { describe, expect, it } from "vitest";
import { ApiError, parseErrorBody, UnauthorizedError } from "../api.js";
import { conflictMessage, describeError, isConflict, validationErrors } from "./errors.js";

const CONFLICT = {
  accepted: false,
  reason:
    "project already has an active operation (ci eb59612ae5156164766c4c3adce733f1, status running); wait for it to finish and retry",
  project_id: "shop",
  requested_kind: "deploy",
  active_op: { id: "eb59612ae5156164766c4c3adce733f1", kind: "ci", status: "running" },
  next_step: "wait for the active operation to reach done or error, then retry",
  error: { code: "CONFLICT_ACTIVE_OPERATION", message: "project already has an active operation (…)" },
  request_id: "r1",
};

describe("parseErrorBody (SPEC §0.3)", () => {
  it("reads code, message and request id", () => {
    expect(
      parseErrorBody(404, "Not Found", { error: { code: "NOT_FOUND", message: "not found" }, request_id: "abc" }),
    ).toEqual({
      code: "NOT_FOUND",
      message: "not found",
      requestId: "abc",
    });
  });
  it("falls back to the status line for other bodies", () => {
    expect(parseErrorBody(502, "Bad Gateway", "<html>")).toEqual({ code: "HTTP_502", message: "502 Bad Gateway" });
    expect(parseErrorBody(500, "", { error: "boom" })).toMatchObject({ message: "boom" });
  });
});

describe("describeError", () => {
  it("turns a 409 into the SPEC §13 sentence", () => {
    const err = new ApiError(409, "CONFLICT_ACTIVE_OPERATION", "project already has…", CONFLICT);
    expect(isConflict(err)).toBe(true);
    expect(describeError(err)).toBe("Another operation is already active for this app (ci eb59612ae515, running).");
    expect(conflictMessage({})).toBe("Another operation is already active for this app (wait for it to finish).");
  });
  it("keeps other 409s (PROJECT_EXISTS) as the server said", () => {
    const err = new ApiError(409, "PROJECT_EXISTS", 'project "shop" already exists');
    expect(isConflict(err)).toBe(false);
    expect(describeError(err)).toBe('project "shop" already exists');
  });
  it("summarises validation failures and lists them", () => {
    const body = {
      error: {
        code: "VALIDATION_FAILED",
        message: 'invalid environment name "Dev"',
        details: {
          errors: [
            { path: "/environments/Dev", message: 'invalid environment name "Dev"' },
            { path: "/environments/Dev/vars/x", message: 'invalid environment variable name "x" in "Dev"' },
          ],
        },
      },
    };
    const err = new ApiError(400, "VALIDATION_FAILED", 'invalid environment name "Dev"', body);
    expect(describeError(err)).toBe('invalid environment name "Dev" (and 1 more)');
    expect(validationErrors(err)).toEqual([
      '/environments/Dev: invalid environment name "Dev"',
      '/environments/Dev/vars/x: invalid environment variable name "x" in "Dev"',
    ]);
    expect(validationErrors(new Error("x"))).toEqual([]);
  });
  it("handles 401, network errors and plain values", () => {
    expect(describeError(new UnauthorizedError())).toBe("missing or invalid credentials");
    expect(describeError(new TypeError("Failed to fetch"))).toBe("Network error: Failed to fetch");
    expect(describeError("weird")).toBe("weird");
  });
});
