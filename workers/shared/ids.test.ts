import { afterEach, describe, expect, it, vi } from "vitest";
import { OP_ID_PATTERN, PROJECT_ID_PATTERN, ZERO_TIME, newId32, nowIso, safeName, short12 } from "./ids.js";

describe("safeName (SPEC §0.1)", () => {
  it.each([
    ["demo", "demo"],
    ["My App", "my-app"],
    ["  Hello_World  ", "hello-world"],
    ["ABC123", "abc123"],
    ["a.b/c:d", "abcd"],
    ["api-v2", "api-v2"],
    ["a--b__c  d", "a--b--c--d"], // no collapsing
    ["-lead_", "-lead-"],
    ["Café Olé!", "caf-ol"],
    ["tab\there", "tabhere"], // only '-', '_' and space are mapped
    ["!!!", "project"],
    ["", "project"],
    ["   ", "project"],
    ["ÄÖÜ", "project"],
  ])("%j → %j", (input, want) => {
    expect(safeName(input)).toBe(want);
  });

  it("output only uses a-z, 0-9 and '-'", () => {
    for (const s of ["Weird Name #1 (beta)", "x_y-z", "ÅngströM 42", "🚀 rocket"]) {
      expect(safeName(s)).toMatch(/^[a-z0-9-]+$/);
    }
  });
});

describe("short12 (SPEC §0.1)", () => {
  it("is the first 12 characters, or all of a shorter string", () => {
    expect(short12("0123456789abcdef0123456789abcdef")).toBe("0123456789ab");
    expect(short12("0123456789ab")).toBe("0123456789ab");
    expect(short12("abc")).toBe("abc");
    expect(short12("")).toBe("");
  });
});

describe("newId32 (SPEC §0.1 ID32)", () => {
  it("is 32 lowercase hex characters", () => {
    for (let i = 0; i < 100; i++) expect(newId32()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("is random", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId32()));
    expect(ids.size).toBe(1000);
  });

  it("stays distinct and well-formed across many refills of its random pool (256 ids per refill)", () => {
    const ids = Array.from({ length: 256 * 20 + 7 }, () => newId32());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is uniformly distributed over the hex digits (no zeroed or reused pool bytes)", () => {
    const counts = new Map<string, number>();
    const n = 5000;
    for (let i = 0; i < n; i++) for (const ch of newId32()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(16);
    const expected = (n * 32) / 16; // 10,000 per digit; σ ≈ 97
    for (const [ch, c] of counts) expect(Math.abs(c - expected), ch).toBeLessThan(600);
  });

  it("matches the op id pattern", () => {
    expect(OP_ID_PATTERN.test(newId32())).toBe(true);
    expect(PROJECT_ID_PATTERN.test(newId32())).toBe(true);
  });
});

describe("id patterns (SPEC §0.1)", () => {
  it("project ids: ^[a-z0-9][a-z0-9-]{0,62}$", () => {
    for (const ok of ["a", "0", "demo", "my-app", "a-", `a${"b".repeat(62)}`])
      expect(PROJECT_ID_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ["", "-a", "A", "my_app", "my.app", "a b", `a${"b".repeat(63)}`, "demo\n"]) {
      expect(PROJECT_ID_PATTERN.test(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("op ids: ^[0-9a-f]{32}$", () => {
    expect(OP_ID_PATTERN.test("0123456789abcdef0123456789abcdef")).toBe(true);
    for (const bad of [
      "0123456789ABCDEF0123456789ABCDEF",
      "0123456789abcdef0123456789abcde",
      "0123456789abcdef0123456789abcdef0",
      "g123456789abcdef0123456789abcdef",
    ]) {
      expect(OP_ID_PATTERN.test(bad), bad).toBe(false);
    }
  });
});

describe("timestamps (SPEC §0.2)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("nowIso is RFC 3339 UTC with milliseconds and Z", () => {
    expect(nowIso()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("nowIso follows the clock to the millisecond (it is formatted once per millisecond)", () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(nowIso()).toBe("2026-01-02T03:04:05.678Z");
    expect(nowIso()).toBe("2026-01-02T03:04:05.678Z");
    vi.setSystemTime(Date.UTC(2026, 0, 2, 3, 4, 5, 679));
    expect(nowIso()).toBe("2026-01-02T03:04:05.679Z");
    vi.setSystemTime(Date.UTC(2025, 11, 31, 23, 59, 59, 999)); // backwards too
    expect(nowIso()).toBe("2025-12-31T23:59:59.999Z");
  });

  it("ZERO_TIME is the never-set time", () => {
    expect(ZERO_TIME).toBe("0001-01-01T00:00:00Z");
  });
});
