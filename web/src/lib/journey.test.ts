import { describe, expect, it } from "vitest";
import type { Journey, Overview } from "../types.js";
import { deriveNextAction, envCards } from "./journey.js";

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
