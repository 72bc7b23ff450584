import { describe, expect, it } from "vitest";
import type { Journey, Overview } from "../types.js";
import { auditExportUrl, auditQuery } from "./audit.js";
import { durationBetween, formatBytes, formatDuration, isZeroTime, short12, timeAgo } from "./format.js";
import { deriveNextAction, envCards } from "./journey.js";
import { appendPage, firstPage, refreshFirstPage } from "./pages.js";
import { formatHash, parseHash } from "./route.js";
import { systemFacts } from "./system.js";

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

describe("paging", () => {
  const key = (x: { id: string }) => x.id;
  it("appends pages without duplicates and follows the cursor", () => {
    let list = firstPage({ items: [{ id: "c" }, { id: "b" }], next_cursor: "b" });
    list = appendPage(list, { items: [{ id: "b" }, { id: "a" }] }, key);
    expect(list).toEqual({ items: [{ id: "c" }, { id: "b" }, { id: "a" }], nextCursor: undefined });
  });
  it("re-reads the first page without losing older pages", () => {
    const loaded = { items: [{ id: "c" }, { id: "b" }, { id: "a" }], nextCursor: undefined };
    const fresh = refreshFirstPage(loaded, { items: [{ id: "d" }, { id: "c" }], next_cursor: "c" }, key);
    expect(fresh.items.map(key)).toEqual(["d", "c", "b", "a"]);
    expect(fresh.nextCursor).toBeUndefined();
    expect(refreshFirstPage(null, { items: [{ id: "d" }], next_cursor: "d" }, key)).toEqual({
      items: [{ id: "d" }],
      nextCursor: "d",
    });
  });
});

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

describe("route", () => {
  it("round-trips the hash", () => {
    expect(parseHash("")).toEqual({ view: "apps", appId: null, tab: "delivery" });
    expect(parseHash("#/audit")).toEqual({ view: "audit", appId: null, tab: "delivery" });
    expect(parseHash("#/app/shop/activity")).toEqual({ view: "apps", appId: "shop", tab: "activity" });
    expect(parseHash("#/app/shop/bogus").tab).toBe("delivery");
    expect(parseHash("#/app/Not Valid").appId).toBeNull();
    for (const h of ["#/apps", "#/audit", "#/app/shop/environments"]) expect(formatHash(parseHash(h))).toBe(h);
  });
});

describe("journey", () => {
  const envs = (live: string[]) => ["dev", "staging", "prod"].map((name) => ({ name, live: live.includes(name) }));
  it("derives SPEC §11.2 next actions", () => {
    expect(deriveNextAction(envs([]), false, "Ready").kind).toBe("build");
    expect(deriveNextAction(envs([]), true, "Ready")).toMatchObject({ kind: "deploy_dev", environment: "dev" });
    expect(deriveNextAction(envs(["dev"]), true, "Ready")).toMatchObject({
      kind: "promote",
      label: "Promote to staging",
      from_env: "dev",
      to_env: "staging",
    });
    expect(deriveNextAction(envs(["dev", "staging"]), true, "Ready")).toMatchObject({
      kind: "release",
      label: "Release to production",
      from_env: "staging",
      to_env: "prod",
    });
    expect(deriveNextAction(envs(["dev", "prod"]), true, "Ready")).toMatchObject({
      kind: "promote",
      to_env: "staging",
    });
    expect(deriveNextAction(envs(["dev", "staging", "prod"]), true, "Ready").label).toBe("Journey is up to date");
    expect(deriveNextAction(envs([]), true, "Error").kind).toBe("investigate");
  });
  it("merges overview and journey environments into cards", () => {
    const overview: Overview = {
      summary: "s",
      environments: [
        {
          name: "dev",
          health_status: "healthy",
          delivery_state: "live",
          running_image: "local/shop:abc",
          delivery_type: "deploy",
          delivery_path: "deploy/dev/rendered.yaml",
          config_readiness: "ok",
          secrets_readiness: "unsupported",
        },
        {
          name: "prod",
          health_status: "unknown",
          delivery_state: "pending",
          delivery_type: "none",
          config_readiness: "unknown",
          secrets_readiness: "unsupported",
        },
      ],
    };
    const journey = {
      environments: [
        { name: "dev", state: "live", image: "local/shop:abc", image_source: "environment marker", detail: "rendered" },
      ],
    } as unknown as Journey;
    const cards = envCards(overview, journey);
    expect(cards[0]).toMatchObject({ name: "dev", live: true, health: "healthy", imageSource: "environment marker" });
    expect(cards[1]).toMatchObject({ name: "prod", live: false, deliveryType: undefined });
    expect(envCards(null, journey)).toMatchObject([{ name: "dev", live: true, health: "healthy" }]);
    expect(envCards(null, null)).toEqual([]);
  });
});

describe("system strip", () => {
  it("lists the SPEC §13 facts", () => {
    const facts = systemFacts(
      {
        version: "0.1.0",
        http_addr: "127.0.0.1:8080",
        artifacts_root: "/var/a",
        builder_mode_requested: "buildkit",
        builder_mode_effective: "artifact",
        builder_mode_reason: "buildkit daemon is unreachable: x",
        commit_watcher_enabled: true,
        auth_enabled: false,
        nats: { mode: "embedded", store_dir_mode: "ephemeral" },
        realtime: { sse_enabled: true, sse_replay_window: 1000, sse_heartbeat_interval: "10s" },
      },
      { total: 3, ready: 2 },
    );
    const get = (l: string) => facts.find((f) => f.label === l)?.value;
    expect(get("Apps")).toBe("3 · 2 ready");
    expect(get("HTTP")).toBe("127.0.0.1:8080");
    expect(get("NATS")).toBe("embedded · ephemeral");
    expect(get("Builder")).toBe("artifact (requested buildkit)");
    expect(get("Builder fallback")).toBe("buildkit daemon is unreachable: x");
    expect(get("Watcher")).toBe("on");
    expect(get("Auth")).toBe("off");
    expect(get("SSE")).toBe("10s · replay 1000");
    expect(get("Artifacts")).toBe("/var/a");
    expect(systemFacts(null, { total: 0, ready: 0 })).toHaveLength(1);
  });
});
