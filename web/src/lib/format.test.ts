import { describe, expect, it } from "vitest";
import { durationBetween, formatBytes, formatDuration, isZeroTime, short12, timeAgo } from "./format.js";

describe("format", () => {
  const now = Date.parse("2026-01-01T12:00:00.000Z");
  it("says how long ago", () => {
    expect(timeAgo("2026-01-01T11:59:55.000Z", now)).toBe("5s ago");
    expect(timeAgo("2026-01-01T11:50:00.000Z", now)).toBe("10m ago");
    expect(timeAgo("2026-01-01T09:00:00.000Z", now)).toBe("3h ago");
    expect(timeAgo("2025-12-25T12:00:00.000Z", now)).toBe("7d ago");
    expect(timeAgo("0001-01-01T00:00:00Z", now)).toBe("—");
    expect(timeAgo("garbage", now)).toBe("—");
  });
  it("formats durations, sizes, ids and zero times", () => {
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(1500)).toBe("1.5 s");
    expect(formatDuration(61_000)).toBe("1m 1s");
    expect(formatDuration(undefined)).toBe("");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(20_480)).toBe("20.0 kB");
    expect(short12("6eb71355208bc21d43129e75bcd9df05")).toBe("6eb71355208b");
    expect(isZeroTime("0001-01-01T00:00:00Z")).toBe(true);
    expect(isZeroTime("2026-01-01T00:00:00Z")).toBe(false);
    expect(durationBetween("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.500Z")).toBe(1500);
    expect(durationBetween("2026-01-01T00:00:00.000Z", "0001-01-01T00:00:00Z")).toBeUndefined();
  });
});
