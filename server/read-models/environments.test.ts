import { describe, expect, it } from "vitest";
import type { Project } from "../store/index.js";
import {
  deliveredEnvironment,
  delivers,
  environmentStates,
  isProduction,
  orderedEnvironments,
  resolveEnvironment,
} from "./environments.js";

function project(envs: string[] = ["dev", "staging", "prod"], name = "shop-api"): Project {
  return {
    id: "p1",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    spec: {
      apiVersion: "platform.example.com/v2",
      kind: "App",
      name,
      runtime: "go_1.26",
      environments: Object.fromEntries(envs.map((e) => [e, { vars: { LOG_LEVEL: `secret-${e}` } }])),
      networkPolicies: { ingress: "internal", egress: "internal" },
    },
    status: { phase: "Ready", updated_at: "2026-01-01T00:00:00.000Z", last_op_id: "", last_op_kind: "" },
  };
}

/** A listing (byte-sorted, like the API) and an in-memory reader over it. */
function artifacts(contents: Record<string, string>) {
  const files = Object.keys(contents).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const read = async (p: string) => (Object.hasOwn(contents, p) ? contents[p] : null);
  return { files, read };
}

const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}\n          imagePullPolicy: IfNotPresent\n`;

describe("resolveEnvironment (SPEC §7.1.1)", () => {
  const spec = project(["dev", "staging", "production"]).spec;
  it("resolves dev, exact keys and the production aliases", () => {
    expect(resolveEnvironment(spec, "  DEV ")).toBe("dev");
    expect(resolveEnvironment(project(["staging"]).spec, "dev")).toBe("dev");
    expect(resolveEnvironment(spec, "Staging")).toBe("staging");
    expect(resolveEnvironment(spec, "prod")).toBe("production");
    expect(resolveEnvironment(spec, "PRODUCTION")).toBe("production");
    expect(resolveEnvironment(project(["prod", "production"]).spec, "production")).toBe("production");
    expect(resolveEnvironment(project(["prod", "production"]).spec, "prod")).toBe("prod");
  });
  it("returns null for empty or unknown names", () => {
    expect(resolveEnvironment(spec, "")).toBeNull();
    expect(resolveEnvironment(spec, "   ")).toBeNull();
    expect(resolveEnvironment(spec, undefined)).toBeNull();
    expect(resolveEnvironment(spec, "qa")).toBeNull();
    expect(resolveEnvironment(project(["staging"]).spec, "prod")).toBeNull();
  });
});

describe("isProduction", () => {
  it("is prod or production only", () => {
    expect(isProduction("prod")).toBe(true);
    expect(isProduction("production")).toBe(true);
    expect(isProduction("staging")).toBe(false);
    expect(isProduction("preprod")).toBe(false);
  });
});

describe("orderedEnvironments (SPEC §11.1)", () => {
  it("puts dev first, then staging, others by name, production last", () => {
    expect(orderedEnvironments(project(["production", "qa", "staging", "alpha", "prod"]).spec)).toEqual([
      "dev",
      "staging",
      "alpha",
      "qa",
      "prod",
      "production",
    ]);
  });
  it("always includes dev once and lower-cases names", () => {
    expect(orderedEnvironments(project(["prod"]).spec)).toEqual(["dev", "prod"]);
    expect(orderedEnvironments(project(["dev", "Staging"]).spec)).toEqual(["dev", "staging"]);
  });
});

describe("delivers (SPEC §11.1)", () => {
  it("maps each kind to the environment it delivers", () => {
    for (const kind of ["deploy", "create", "update", "ci"] as const)
      expect(deliveredEnvironment({ kind })).toBe("dev");
    expect(deliveredEnvironment({ kind: "promote", delivery: { from_env: "dev", to_env: "staging" } })).toBe("staging");
    expect(deliveredEnvironment({ kind: "release", delivery: { from_env: "staging", to_env: "prod" } })).toBe("prod");
    expect(deliveredEnvironment({ kind: "rollback", delivery: { environment: "staging", to_env: "staging" } })).toBe(
      "staging",
    );
    expect(deliveredEnvironment({ kind: "delete" })).toBeUndefined();
    expect(deliveredEnvironment({ kind: "promote" })).toBeUndefined();
    expect(delivers({ kind: "ci" }, "dev")).toBe(true);
    expect(delivers({ kind: "ci" }, "staging")).toBe(false);
  });
});

describe("environmentStates image (SPEC §11.1)", () => {
  it("prefers a real overlay marker", async () => {
    const a = artifacts({
      "build/image.txt": "local/shop-api:build00000001\n",
      "deploy/dev/deployment.yaml": deployment("local/shop-api:deployed0001"),
      "deploy/dev/rendered.yaml": "x",
      "repos/manifests/overlays/dev/image.txt": "local/shop-api:marker000001\n",
    });
    const [dev] = await environmentStates({ project: project(), ...a });
    expect(dev).toMatchObject({ image: "local/shop-api:marker000001", image_source: "environment marker" });
  });

  it("skips the placeholder marker and uses the deployment manifest", async () => {
    const a = artifacts({
      "build/image.txt": "local/shop-api:build00000001\n",
      "deploy/staging/deployment.yaml": deployment(`local/shop-api:abc@sha256:${"a".repeat(64)}`),
      "deploy/staging/rendered.yaml": "x",
      "repos/manifests/overlays/staging/image.txt": "local/shop-api:latest\n",
    });
    const states = await environmentStates({ project: project(), ...a });
    expect(states[1]).toMatchObject({
      name: "staging",
      image: `local/shop-api:abc@sha256:${"a".repeat(64)}`,
      image_source: "deployment manifest",
    });
  });

  it("compares the placeholder with safeName(name)", async () => {
    const a = artifacts({ "repos/manifests/overlays/staging/image.txt": "local/shop-api:latest\n" });
    const states = await environmentStates({ project: project(["staging"], " Shop API "), ...a });
    expect(states[1].image).toBeUndefined();
    const other = await environmentStates({ project: project(["staging"], "other"), ...a });
    expect(other[1]).toMatchObject({ image: "local/shop-api:latest", image_source: "environment marker" });
  });

  it("falls back to the latest build for dev only", async () => {
    const a = artifacts({
      "build/image.txt": " local/shop-api:build00000001 \n",
      "repos/manifests/overlays/dev/image.txt": "   \n",
      "repos/manifests/overlays/staging/image.txt": "local/shop-api:latest\n",
    });
    const [dev, staging, prod] = await environmentStates({ project: project(), ...a });
    expect(dev).toEqual({
      name: "dev",
      state: "pending",
      image: "local/shop-api:build00000001",
      image_source: "latest build",
      detail: "Not delivered yet.",
    });
    expect(staging).toEqual({ name: "staging", state: "pending", detail: "Not delivered yet." });
    expect(prod).toEqual({ name: "prod", state: "pending", detail: "Not delivered yet." });
  });

  it("treats unlisted or unreadable files as absent", async () => {
    const files = ["deploy/dev/deployment.yaml", "repos/manifests/overlays/dev/image.txt"];
    const read = async (p: string) =>
      p === "build/image.txt" ? "local/shop-api:unlisted\n" : p === "deploy/dev/deployment.yaml" ? null : null;
    const [dev] = await environmentStates({ project: project(), files, read });
    expect(dev.image).toBeUndefined();
    expect(dev.image_source).toBeUndefined();
  });
});

describe("environmentStates delivery (SPEC §11.1)", () => {
  it("marks a rendered deploy dir live", async () => {
    const a = artifacts({ "deploy/dev/rendered.yaml": "x", "promotions/qa-to-dev/rendered.yaml": "x" });
    const [dev] = await environmentStates({ project: project(), ...a });
    expect(dev).toEqual({
      name: "dev",
      state: "live",
      delivery_type: "deploy",
      delivery_path: "deploy/dev/rendered.yaml",
      detail: "Deployment manifest is rendered for this environment.",
    });
  });

  it("detects promotions and releases; the last in listing order wins", async () => {
    const a = artifacts({
      "promotions/dev-to-staging/rendered.yaml": "x",
      "promotions/dev-to-prod/rendered.yaml": "x",
      "promotions/qa-to-prod/rendered.yaml": "x",
      "releases/staging-to-prod/rendered.yaml": "x",
      "releases/dev-to-pre-prod/deployment.yaml": "x",
      "promotions/dev-to-pre-prod/rendered.yaml": "x",
    });
    const states = await environmentStates({ project: project(["staging", "prod", "pre-prod"]), ...a });
    expect(states.map((s) => s.name)).toEqual(["dev", "staging", "pre-prod", "prod"]);
    expect(states[0].state).toBe("pending");
    expect(states[1]).toEqual({
      name: "staging",
      state: "live",
      delivery_type: "promote",
      delivery_path: "promotions/dev-to-staging/rendered.yaml",
      detail: "Promoted from dev.",
    });
    expect(states[2]).toMatchObject({ delivery_type: "promote", detail: "Promoted from dev." });
    expect(states[3]).toEqual({
      name: "prod",
      state: "live",
      delivery_type: "release",
      delivery_path: "releases/staging-to-prod/rendered.yaml",
      detail: "Released from staging.",
    });
  });

  it("picks the later promotion when two sources promoted into the env", async () => {
    const a = artifacts({
      "promotions/qa-to-staging/rendered.yaml": "x",
      "promotions/dev-to-staging/rendered.yaml": "x",
    });
    const states = await environmentStates({ project: project(), ...a });
    expect(states[1]).toMatchObject({
      delivery_path: "promotions/qa-to-staging/rendered.yaml",
      detail: "Promoted from qa.",
    });
  });

  it("prefers deploy/<env>/rendered.yaml over promotions", async () => {
    const a = artifacts({ "deploy/staging/rendered.yaml": "x", "releases/dev-to-staging/rendered.yaml": "x" });
    const states = await environmentStates({ project: project(), ...a });
    expect(states[1]).toMatchObject({ delivery_type: "deploy", delivery_path: "deploy/staging/rendered.yaml" });
  });

  it("ignores malformed transition paths", async () => {
    const a = artifacts({
      "promotions/-to-staging/rendered.yaml": "x",
      "promotions/dev-to-staging/nested/rendered.yaml": "x",
      "history/dev-to-staging/rendered.yaml": "x",
    });
    const states = await environmentStates({ project: project(), ...a });
    expect(states[1].state).toBe("pending");
  });
});
