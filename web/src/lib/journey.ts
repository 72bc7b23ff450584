// The journey panel and environment cards: one view model from `/overview` and `/journey` (SPEC §11, §13). The
// next step is the server's (`journey.next_action`); the browser does not derive it again.

import type { Journey, JourneyEnvironment, Overview, OverviewEnvironment } from "../types.js";

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

/** What the journey panel shows after one read of `/overview` and `/journey` (each may fail on its own). */
export interface JourneyView {
  overview: Overview | null;
  /** The API's journey: milestones and the next step (SPEC §11.2); null when `/journey` failed. */
  journey: Journey | null;
  /** Why there is no next step to show: the `/journey` failure, to retry. */
  error: string | null;
}

/**
 * Fold the two reads into the panel's state. The next step comes only from `/journey` (the server derives it, SPEC
 * §11.2); when that read fails the panel says so and offers a retry rather than keeping a stale or guessed step.
 * The overview (cards, summary) stands on its own, and the journey's environments stand in for it when it failed.
 */
export function journeyView(
  overview: PromiseSettledResult<{ overview: Overview }>,
  journey: PromiseSettledResult<{ journey: Journey }>,
  describe: (err: unknown) => string,
): JourneyView {
  return {
    overview: overview.status === "fulfilled" ? overview.value.overview : null,
    journey: journey.status === "fulfilled" ? journey.value.journey : null,
    error: journey.status === "rejected" ? describe(journey.reason) : null,
  };
}

/** Next-action kinds that have a button (SPEC §13: build / deploy_dev / promote / release). */
export const ACTIONABLE = new Set(["build", "deploy_dev", "promote", "release", "investigate"]);
