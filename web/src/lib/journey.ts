// The journey panel and environment cards: one view model from `/overview` and `/journey` (SPEC §11), with a
// fallback when only one of them answered.

import type { Journey, JourneyEnvironment, NextAction, Overview, OverviewEnvironment } from "../types.js";

export interface EnvCard {
  name: string;
  live: boolean;
  health: string;
  image?: string;
  imageSource?: string;
  deliveryType?: string;
  deliveryPath?: string;
  detail?: string;
  configReadiness?: string;
  secretsReadiness?: string;
  lastDeliveryAt?: string;
}

/** Cards in the server's order (overview first, else journey); fields merged by environment name. */
export function envCards(overview: Overview | null, journey: Journey | null): EnvCard[] {
  const byName = new Map<string, JourneyEnvironment>();
  for (const e of journey?.environments ?? []) byName.set(e.name, e);
  const fromOverview = (o: OverviewEnvironment): EnvCard => {
    const j = byName.get(o.name);
    return {
      name: o.name,
      live: o.delivery_state === "live",
      health: o.health_status,
      image: o.running_image ?? j?.image,
      imageSource: j?.image_source,
      deliveryType: o.delivery_type !== "none" ? o.delivery_type : j?.delivery_type,
      deliveryPath: o.delivery_path ?? j?.delivery_path,
      detail: j?.detail,
      configReadiness: o.config_readiness,
      secretsReadiness: o.secrets_readiness,
      lastDeliveryAt: o.last_delivery_at,
    };
  };
  if (overview) return overview.environments.map(fromOverview);
  return (journey?.environments ?? []).map((j) => ({
    name: j.name,
    live: j.state === "live",
    health: j.state === "live" ? "healthy" : "unknown",
    image: j.image,
    imageSource: j.image_source,
    deliveryType: j.delivery_type,
    deliveryPath: j.delivery_path,
    detail: j.detail,
  }));
}

const isProd = (n: string) => n === "prod" || n === "production";

/** SPEC §11.2 next_action, derived client-side when `/journey` did not answer. */
export function deriveNextAction(
  envs: { name: string; live: boolean }[],
  hasBuild: boolean,
  phase: string,
): NextAction {
  if (phase === "Error")
    return {
      kind: "investigate",
      label: "Review failing activity",
      detail: "Open the latest activity details, then retry the step.",
    };
  if (!hasBuild)
    return {
      kind: "build",
      label: "Run a source build",
      detail: "Trigger a source change build so delivery has an image to ship.",
    };
  const dev = envs.find((e) => e.name === "dev");
  if (!dev?.live)
    return {
      kind: "deploy_dev",
      label: "Deploy to dev",
      detail: "Ship the latest build to the dev environment.",
      environment: "dev",
    };
  for (let i = 1; i < envs.length; i++) {
    const t = envs[i]!;
    if (t.live) continue;
    const s = envs[i - 1]!;
    if (!s.live)
      return {
        kind: "none",
        label: "Wait for upstream delivery",
        detail: `Deliver ${s.name} before moving to ${t.name}.`,
      };
    if (isProd(t.name))
      return {
        kind: "release",
        label: "Release to production",
        detail: `Promote verified image from ${s.name} to ${t.name}.`,
        from_env: s.name,
        to_env: t.name,
      };
    return {
      kind: "promote",
      label: `Promote to ${t.name}`,
      detail: `Move tested image from ${s.name} to ${t.name}.`,
      from_env: s.name,
      to_env: t.name,
    };
  }
  return {
    kind: "none",
    label: "Journey is up to date",
    detail: "All configured environments have delivery evidence.",
  };
}

/** Next-action kinds that have a button (SPEC §13: build / deploy_dev / promote / release). */
export const ACTIONABLE = new Set(["build", "deploy_dev", "promote", "release", "investigate"]);
