import { describe, expect, it } from "vitest";
import { confirmationMatches, confirmationPhrase, transitionAction, transitionGuardrails } from "./confirm.js";

describe("typed confirmation", () => {
  it("builds `<promote|release> <from> to <to>`", () => {
    expect(confirmationPhrase("promote", "dev", "staging")).toBe("promote dev to staging");
    expect(confirmationPhrase("release", "staging", "prod")).toBe("release staging to prod");
  });
  it("matches exactly, ignoring surrounding and repeated whitespace", () => {
    const p = "promote dev to staging";
    expect(confirmationMatches("promote dev to staging", p)).toBe(true);
    expect(confirmationMatches("  promote  dev to   staging ", p)).toBe(true);
    expect(confirmationMatches("promote dev to stagin", p)).toBe(false);
    expect(confirmationMatches("Promote dev to staging", p)).toBe(false);
    expect(confirmationMatches("release dev to staging", p)).toBe(false);
    expect(confirmationMatches("", "")).toBe(false);
  });
  it("is a release when the target is production", () => {
    expect(transitionAction("prod")).toBe("release");
    expect(transitionAction("production")).toBe("release");
    expect(transitionAction("staging")).toBe("promote");
  });
});

describe("guardrails", () => {
  const envs = ["dev", "staging", "prod"];
  it("blocks missing, equal or unknown environments", () => {
    expect(transitionGuardrails("dev", "", envs)).toEqual([
      { level: "error", message: "Choose a source and a target environment." },
    ]);
    expect(transitionGuardrails("dev", "dev", envs).map((g) => g.level)).toEqual(["error"]);
    expect(transitionGuardrails("dev", "qa", envs)[0]?.message).toMatch(/"qa" is not an environment/);
  });
  it("warns about moving backwards or out of production", () => {
    expect(transitionGuardrails("dev", "staging", envs)).toEqual([]);
    expect(transitionGuardrails("prod", "staging", envs).map((g) => g.level)).toEqual(["warning", "warning"]);
  });
});
