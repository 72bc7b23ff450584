import { describe, expect, it } from "vitest";
import {
  cleanEnvKey,
  defaultAppForm,
  deliveryEnvs,
  formFromProject,
  orderEnvs,
  specFromForm,
  validateForm,
  VAR_KEY_RE,
} from "./envs.js";

describe("cleanEnvKey", () => {
  it("upper-cases and replaces invalid characters with _", () => {
    expect(cleanEnvKey("log-level")).toBe("LOG_LEVEL");
    expect(cleanEnvKey(" db.url ")).toBe("DB_URL");
    expect(cleanEnvKey("api key!")).toBe("API_KEY_");
    expect(cleanEnvKey("grüße")).toBe("GR_SSE");
    expect(cleanEnvKey("ALREADY_OK")).toBe("ALREADY_OK");
  });
  it("always yields a valid name for non-empty input", () => {
    for (const raw of ["1st", "9", "-x", "ä", "a b c", "__", "x".repeat(200)]) {
      const k = cleanEnvKey(raw);
      expect(k, raw).toMatch(VAR_KEY_RE);
      expect(k.length).toBeLessThanOrEqual(128);
    }
    expect(cleanEnvKey("1st")).toBe("_1ST");
  });
});

describe("environment order", () => {
  it("is dev, staging, prod, then alphabetical", () => {
    expect(orderEnvs(["qa", "prod", "Staging", "dev", "alpha"])).toEqual(["dev", "staging", "prod", "alpha", "qa"]);
    expect(orderEnvs(["production", "dev", "dev"])).toEqual(["dev", "production"]);
  });
  it("always offers dev for delivery", () => {
    expect(
      deliveryEnvs({ ...specFromForm(defaultAppForm()), environments: { prod: { vars: {} }, staging: { vars: {} } } }),
    ).toEqual(["dev", "staging", "prod"]);
  });
});

describe("app form", () => {
  it("defaults to go_1.26 with dev/staging/prod and LOG_LEVEL/LOG_FORMAT", () => {
    const f = defaultAppForm();
    expect(f.runtime).toBe("go_1.26");
    expect(f.envs.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
    for (const e of f.envs) expect(e.vars.map((v) => v.key)).toEqual(["LOG_LEVEL", "LOG_FORMAT"]);
  });

  it("round-trips a spec", () => {
    const f = { ...defaultAppForm(), name: "shop-api" };
    const spec = specFromForm(f);
    expect(spec).toEqual({
      apiVersion: "platform.example.com/v2",
      kind: "App",
      name: "shop-api",
      runtime: "go_1.26",
      capabilities: ["http"],
      environments: {
        dev: { vars: { LOG_LEVEL: "debug", LOG_FORMAT: "json" } },
        staging: { vars: { LOG_LEVEL: "info", LOG_FORMAT: "json" } },
        prod: { vars: { LOG_LEVEL: "warn", LOG_FORMAT: "json" } },
      },
      networkPolicies: { ingress: "internal", egress: "internal" },
    });
    const back = formFromProject(spec, "shop");
    expect(back.projectId).toBe("shop");
    expect(specFromForm(back)).toEqual(spec);
  });

  it("drops blank var rows and empty capabilities", () => {
    const f = defaultAppForm();
    f.name = "a";
    f.capabilities = " , ";
    f.envs = [{ name: "dev", vars: [{ key: "", value: "" }] }];
    expect(specFromForm(f)).not.toHaveProperty("capabilities");
    expect(specFromForm(f).environments).toEqual({ dev: { vars: {} } });
  });

  it("validates like SPEC §2.3", () => {
    const ok = { ...defaultAppForm(), name: "shop" };
    expect(validateForm(ok, true)).toEqual([]);
    expect(validateForm({ ...ok, name: "Shop" }, true)[0]).toMatch(/^Name/);
    expect(validateForm({ ...ok, projectId: "Bad Id" }, true)[0]).toMatch(/^App id/);
    expect(validateForm({ ...ok, projectId: "Bad Id" }, false)).toEqual([]);
    expect(validateForm({ ...ok, envs: [] }, true)).toEqual(["Add at least one environment."]);
    const badVar = { ...ok, envs: [{ name: "dev", vars: [{ key: "log-level", value: "x" }] }] };
    expect(validateForm(badVar, true)[0]).toMatch(/use Clean/);
    const dup = {
      ...ok,
      envs: [
        { name: "dev", vars: [] },
        { name: "dev", vars: [] },
      ],
    };
    expect(validateForm(dup, true)).toEqual(['Environment "dev" is listed twice.']);
  });
});
