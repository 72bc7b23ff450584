import { describe, expect, it } from "vitest";
import type { Journey, Overview } from "../types.js";
import { envCards, journeyView } from "./journey.js";

describe("journey", () => {
  const overview = { summary: "Delivery is underway: 1 of 3 environments are live.", environments: [] } as Overview;
  const journey = {
    summary: overview.summary,
    next_action: { kind: "promote", label: "Promote to staging", detail: "…", from_env: "dev", to_env: "staging" },
  } as unknown as Journey;
  const ok = <T>(value: T): PromiseSettledResult<T> => ({ status: "fulfilled", value });
  const failed = (reason: unknown): PromiseSettledResult<never> => ({ status: "rejected", reason });
  const describeErr = (err: unknown) => `described: ${String(err)}`;

  it("shows the API's journey, next step included, when /journey answers", () => {
    expect(journeyView(ok({ overview }), ok({ journey }), describeErr)).toEqual({ overview, journey, error: null });
    expect(journeyView(failed("down"), ok({ journey }), describeErr)).toEqual({ overview: null, journey, error: null });
  });
  it("has no next step but the /journey error to retry when /journey fails", () => {
    const view = journeyView(ok({ overview }), failed("503 Service Unavailable"), describeErr);
    expect(view).toEqual({ overview, journey: null, error: "described: 503 Service Unavailable" });
    expect(journeyView(failed("a"), failed("b"), describeErr)).toEqual({
      overview: null,
      journey: null,
      error: "described: b",
    });
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
