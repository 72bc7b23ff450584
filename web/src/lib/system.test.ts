import { describe, expect, it } from "vitest";
import { systemFacts } from "./system.js";

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
