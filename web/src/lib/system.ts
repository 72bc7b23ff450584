// The system strip's facts from `GET /api/system` (SPEC §12.2, §13 "System strip").

import type { SystemInfo } from "../types.js";

export interface Fact {
  label: string;
  value: string;
  title?: string;
  tone?: "warn";
}

/** SPEC §13 system strip facts from `GET /api/system` plus project counts. */
export function systemFacts(sys: SystemInfo | null, counts: { total: number; ready: number }): Fact[] {
  const facts: Fact[] = [{ label: "Apps", value: `${counts.total} · ${counts.ready} ready` }];
  if (!sys) return facts;
  const nats = sys.nats ?? {};
  const eff = sys.builder_mode_effective ?? "?";
  const req = sys.builder_mode_requested;
  const builderTitle = [
    req && `requested ${req}`,
    sys.builder_mode_reason && `reason: ${sys.builder_mode_reason}`,
    sys.builder_policy_error && `policy: ${sys.builder_policy_error}`,
    sys.buildkit_addr && `buildkit ${sys.buildkit_addr}`,
    sys.version && `Slipway ${sys.version}`,
  ]
    .filter(Boolean)
    .join(" · ");
  facts.push(
    { label: "HTTP", value: sys.http_addr ?? "?" },
    {
      label: "NATS",
      value: [nats.mode, nats.store_dir_mode].filter(Boolean).join(" · ") || "?",
      title: [nats.url, nats.store_dir, nats.server_version && `nats-server ${nats.server_version}`]
        .filter(Boolean)
        .join(" · "),
    },
    {
      label: "Builder",
      value: req && req !== eff ? `${eff} (requested ${req})` : eff,
      title: builderTitle,
      tone: sys.builder_mode_reason || sys.builder_policy_error ? "warn" : undefined,
    },
    ...(sys.builder_mode_reason || sys.builder_policy_error
      ? [
          {
            label: sys.builder_policy_error ? "Builder policy" : "Builder fallback",
            value: (sys.builder_policy_error ?? sys.builder_mode_reason)!,
            title: (sys.builder_policy_error ?? sys.builder_mode_reason)!,
            tone: "warn" as const,
          },
        ]
      : []),
    { label: "Watcher", value: sys.commit_watcher_enabled ? "on" : "off" },
    { label: "Auth", value: sys.auth_enabled ? "on" : "off" },
    {
      label: "SSE",
      value: `${sys.realtime?.sse_heartbeat_interval ?? "?"} · replay ${sys.realtime?.sse_replay_window ?? "?"}`,
      title: "SSE heartbeat interval · replay window (events per operation)",
    },
    { label: "Artifacts", value: sys.artifacts_root ?? "?", title: sys.artifacts_root },
  );
  return facts;
}
