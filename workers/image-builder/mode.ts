import type { BuilderModeInfo } from "../types.js";

/** Result of probing a BuildKit endpoint. */
export type ProbeResult = { ok: true; addr: string } | { ok: false; error: string };

/**
 * Resolve the requested/effective builder mode once at start (SPEC §9.1). `probe` is only called when
 * BuildKit is requested.
 */
export async function resolveBuilderMode(
  raw: string | undefined,
  probe: () => Promise<ProbeResult>,
): Promise<BuilderModeInfo> {
  const value = (raw ?? "").trim().toLowerCase();
  const explicit = value !== "";
  if (value === "artifact") return { requested: "artifact", effective: "artifact", explicit: true };
  const info: BuilderModeInfo = { requested: "buildkit", effective: "buildkit", explicit };
  if (explicit && value !== "buildkit")
    info.warning = `invalid PAAS_IMAGE_BUILDER_MODE="${raw}" (expected artifact or buildkit)`;
  const result = await probe();
  if (result.ok) {
    info.buildkitAddr = result.addr;
    return info;
  }
  if (!explicit) {
    info.effective = "artifact";
    info.fallbackReason = `buildkit daemon is unreachable: ${result.error}`;
  } else {
    info.policyError = `explicit PAAS_IMAGE_BUILDER_MODE=buildkit requested but BuildKit daemon is unreachable: ${result.error}`;
  }
  return info;
}

/** The imageBuilder start message (SPEC §3.2). */
export function buildStartMessage(m: BuilderModeInfo): string {
  let s = `build and publish image to local daemon (requested=${m.requested}; effective=${m.effective}`;
  if (m.explicit) s += "; explicit=true";
  if (m.fallbackReason) s += `; fallback=${m.fallbackReason}`;
  if (m.warning) s += `; warning=${m.warning}`;
  if (m.policyError) s += `; policy=${m.policyError}`;
  return `${s})`;
}

/** The builder-mode fields of publish-local-daemon.json and buildkit-metadata.json (SPEC §9.5). */
export function builderModeFields(m: BuilderModeInfo): Record<string, unknown> {
  return {
    builder_mode: m.effective,
    effective_builder_mode: m.effective,
    requested_builder_mode: m.requested,
    builder_mode_explicit: m.explicit,
    ...(m.warning ? { builder_mode_warning: m.warning } : {}),
    ...(m.fallbackReason ? { builder_mode_fallback_reason: m.fallbackReason } : {}),
    ...(m.policyError ? { builder_mode_policy_error: m.policyError } : {}),
  };
}
