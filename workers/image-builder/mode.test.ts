import { describe, expect, it } from "vitest";
import type { BuilderModeInfo } from "../types.js";
import { buildStartMessage, builderModeFields, resolveBuilderMode, type ProbeResult } from "./mode.js";

const ADDR = "unix:///run/buildkit/buildkitd.sock";
const ERR = "unix:///run/buildkit/buildkitd.sock: connect ENOENT";
const FALLBACK = `buildkit daemon is unreachable: ${ERR}`;
const POLICY = `explicit PAAS_IMAGE_BUILDER_MODE=buildkit requested but BuildKit daemon is unreachable: ${ERR}`;

/** A fake BuildKit probe that counts its calls. */
function fakeProbe(result: ProbeResult) {
  const probe = Object.assign(
    async () => {
      probe.calls++;
      return result;
    },
    { calls: 0 },
  );
  return probe;
}
const ok = () => fakeProbe({ ok: true, addr: ADDR });
const fails = () => fakeProbe({ ok: false, error: ERR });

describe("resolveBuilderMode (SPEC §9.1)", () => {
  it.each(["artifact", "ARTIFACT", "  Artifact  "])("%j → artifact, explicit, probe not run", async (raw) => {
    for (const probe of [ok(), fails()]) {
      const m = await resolveBuilderMode(raw, probe);
      expect(m).toEqual({ requested: "artifact", effective: "artifact", explicit: true });
      expect(probe.calls).toBe(0);
    }
  });

  it.each([undefined, "", "   "])("implicit buildkit (%j) + probe ok → buildkit, nothing reported", async (raw) => {
    const probe = ok();
    const m = await resolveBuilderMode(raw, probe);
    expect(probe.calls).toBe(1);
    expect(m.requested).toBe("buildkit");
    expect(m.effective).toBe("buildkit");
    expect(m.explicit).toBe(false);
    expect(m.buildkitAddr).toBe(ADDR);
    expect(m.warning).toBeUndefined();
    expect(m.fallbackReason).toBeUndefined();
    expect(m.policyError).toBeUndefined();
  });

  it.each([undefined, "", "   "])(
    "implicit buildkit (%j) + probe fails → artifact with fallback reason",
    async (raw) => {
      const probe = fails();
      const m = await resolveBuilderMode(raw, probe);
      expect(probe.calls).toBe(1);
      expect(m).toEqual({ requested: "buildkit", effective: "artifact", explicit: false, fallbackReason: FALLBACK });
    },
  );

  it.each(["buildkit", "BuildKit", " BUILDKIT "])(
    "explicit %j + probe ok → buildkit, nothing reported",
    async (raw) => {
      const probe = ok();
      const m = await resolveBuilderMode(raw, probe);
      expect(probe.calls).toBe(1);
      expect(m).toEqual({ requested: "buildkit", effective: "buildkit", explicit: true, buildkitAddr: ADDR });
    },
  );

  it.each(["buildkit", "BuildKit"])(
    "explicit %j + probe fails → buildkit with policy error, no fallback",
    async (raw) => {
      const probe = fails();
      const m = await resolveBuilderMode(raw, probe);
      expect(probe.calls).toBe(1);
      expect(m).toEqual({ requested: "buildkit", effective: "buildkit", explicit: true, policyError: POLICY });
    },
  );

  it("an invalid value warns, requests buildkit and counts as explicit (probe ok)", async () => {
    const probe = ok();
    const m = await resolveBuilderMode("docker", probe);
    expect(probe.calls).toBe(1);
    expect(m).toEqual({
      requested: "buildkit",
      effective: "buildkit",
      explicit: true,
      warning: 'invalid PAAS_IMAGE_BUILDER_MODE="docker" (expected artifact or buildkit)',
      buildkitAddr: ADDR,
    });
  });

  it("an invalid value with an unreachable daemon gets the policy error, not a fallback", async () => {
    const m = await resolveBuilderMode("Kaniko", fails());
    expect(m).toEqual({
      requested: "buildkit",
      effective: "buildkit",
      explicit: true,
      warning: 'invalid PAAS_IMAGE_BUILDER_MODE="Kaniko" (expected artifact or buildkit)',
      policyError: POLICY,
    });
  });

  it("quotes the raw value in the warning", async () => {
    const m = await resolveBuilderMode("build kit", ok());
    expect(m.warning).toBe('invalid PAAS_IMAGE_BUILDER_MODE="build kit" (expected artifact or buildkit)');
  });
});

describe("buildStartMessage (SPEC §3.2)", () => {
  const P = "build and publish image to local daemon";

  it("implicit buildkit", () => {
    expect(buildStartMessage({ requested: "buildkit", effective: "buildkit", explicit: false })).toBe(
      `${P} (requested=buildkit; effective=buildkit)`,
    );
  });

  it("explicit artifact", () => {
    expect(buildStartMessage({ requested: "artifact", effective: "artifact", explicit: true })).toBe(
      `${P} (requested=artifact; effective=artifact; explicit=true)`,
    );
  });

  it("explicit buildkit, reachable (the address is not part of the message)", () => {
    expect(
      buildStartMessage({ requested: "buildkit", effective: "buildkit", explicit: true, buildkitAddr: ADDR }),
    ).toBe(`${P} (requested=buildkit; effective=buildkit; explicit=true)`);
  });

  it("implicit fallback to artifact", () => {
    expect(
      buildStartMessage({ requested: "buildkit", effective: "artifact", explicit: false, fallbackReason: FALLBACK }),
    ).toBe(`${P} (requested=buildkit; effective=artifact; fallback=${FALLBACK})`);
  });

  it("explicit buildkit with a policy error", () => {
    expect(
      buildStartMessage({ requested: "buildkit", effective: "buildkit", explicit: true, policyError: POLICY }),
    ).toBe(`${P} (requested=buildkit; effective=buildkit; explicit=true; policy=${POLICY})`);
  });

  it("warning and policy in the documented order", () => {
    const w = 'invalid PAAS_IMAGE_BUILDER_MODE="x" (expected artifact or buildkit)';
    expect(
      buildStartMessage({
        requested: "buildkit",
        effective: "buildkit",
        explicit: true,
        warning: w,
        policyError: POLICY,
      }),
    ).toBe(`${P} (requested=buildkit; effective=buildkit; explicit=true; warning=${w}; policy=${POLICY})`);
  });

  it("every optional part in order: explicit, fallback, warning, policy", () => {
    const m: BuilderModeInfo = {
      requested: "buildkit",
      effective: "artifact",
      explicit: true,
      fallbackReason: "F",
      warning: "W",
      policyError: "P",
    };
    expect(buildStartMessage(m)).toBe(
      `${P} (requested=buildkit; effective=artifact; explicit=true; fallback=F; warning=W; policy=P)`,
    );
  });

  it("end to end from resolveBuilderMode", async () => {
    expect(buildStartMessage(await resolveBuilderMode(undefined, fails()))).toBe(
      `${P} (requested=buildkit; effective=artifact; fallback=${FALLBACK})`,
    );
    expect(buildStartMessage(await resolveBuilderMode("artifact", fails()))).toBe(
      `${P} (requested=artifact; effective=artifact; explicit=true)`,
    );
  });
});

describe("builderModeFields (SPEC §9.5)", () => {
  it("reports the mode fields and only the present optional ones", () => {
    expect(
      builderModeFields({ requested: "buildkit", effective: "artifact", explicit: false, fallbackReason: FALLBACK }),
    ).toEqual({
      builder_mode: "artifact",
      effective_builder_mode: "artifact",
      requested_builder_mode: "buildkit",
      builder_mode_explicit: false,
      builder_mode_fallback_reason: FALLBACK,
    });
    expect(
      builderModeFields({
        requested: "buildkit",
        effective: "buildkit",
        explicit: true,
        warning: "W",
        policyError: POLICY,
      }),
    ).toEqual({
      builder_mode: "buildkit",
      effective_builder_mode: "buildkit",
      requested_builder_mode: "buildkit",
      builder_mode_explicit: true,
      builder_mode_warning: "W",
      builder_mode_policy_error: POLICY,
    });
  });
});
