import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import type { ProjectSpec } from "../shared/spec-types.js";
import { buildTree } from "./kustomize.js";
import { ManifestError, renderEnvironment, renderOverlay, splitRendered } from "./render.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const SPEC: ProjectSpec = {
  apiVersion: "platform.example.com/v2",
  kind: "App",
  name: "shop-api",
  runtime: "go_1.26",
  environments: {
    dev: { vars: { LOG_LEVEL: "debug", API_URL: "http://localhost:8080" } },
    staging: { vars: { LOG_LEVEL: "info" } },
    prod: { vars: {} },
  },
  networkPolicies: { ingress: "internal", egress: "none" },
};

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: shop-api
spec:
  selector:
    app: shop-api
  ports:
    - name: http
      port: 80
      targetPort: 8080
`;

const DEV_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
spec:
  replicas: 1
  selector:
    matchLabels:
      app: shop-api
  template:
    metadata:
      labels:
        app: shop-api
      annotations:
        platform.example.com/ingress: internal
        platform.example.com/egress: none
        platform.example.com/environment: dev
    spec:
      containers:
        - name: app
          image: local/shop-api:0123456789ab@${DIGEST}
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
          env:
            - name: API_URL
              value: "http://localhost:8080"
            - name: LOG_LEVEL
              value: "debug"
`;

/** A hand-edited tree whose base container already has env vars, one of which the overlays also set. */
function withBaseEnv(tree: ReadonlyMap<string, string>): Map<string, string> {
  const baseEnv = `          env:
            - name: KEEP
              value: "k"
            - name: LOG_LEVEL
              value: "x"
          ports:`;
  const edited = new Map(tree);
  edited.set("base/deployment.yaml", (tree.get("base/deployment.yaml") ?? "").replace("          ports:", baseEnv));
  return edited;
}

describe("renderEnvironment", () => {
  const out = renderEnvironment(SPEC, "dev", `local/shop-api:0123456789ab@${DIGEST}`);

  it("applies patch and image: merged annotations, env from the patch, full reference with digest", () => {
    expect(out.deployment).toBe(DEV_DEPLOYMENT);
    expect(out.service).toBe(SERVICE);
  });

  it("rendered.yaml is the Service, then `---`, then the Deployment", () => {
    expect(out.rendered).toBe(`${SERVICE}---\n${DEV_DEPLOYMENT}`);
  });

  it("uses name:tag without a digest", () => {
    const staging = renderEnvironment(SPEC, "staging", "local/shop-api:fedcba987654");
    expect(staging.deployment).toContain("          image: local/shop-api:fedcba987654\n");
    expect(staging.deployment).toContain('            - name: LOG_LEVEL\n              value: "info"\n');
    expect(staging.deployment).toContain("        platform.example.com/environment: staging\n");
  });

  it("matches rendering the overlay of the full tree", () => {
    const tree = buildTree(SPEC, { staging: "local/shop-api:s1", prod: "local/shop-api:p1" });
    expect(renderOverlay(tree, "prod")).toEqual(renderEnvironment(SPEC, "prod", "local/shop-api:p1"));
  });

  it("is deterministic", () => {
    expect(renderEnvironment(SPEC, "dev", `local/shop-api:0123456789ab@${DIGEST}`)).toEqual(out);
  });
});

describe("renderOverlay", () => {
  const tree = buildTree(SPEC, {});

  it("fails with ManifestError for an unknown overlay", () => {
    expect(() => renderOverlay(tree, "qa")).toThrow(ManifestError);
  });

  it("fails when the patch matches no resource", () => {
    const broken = new Map(tree);
    const patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n";
    broken.set("overlays/dev/deployment-patch.yaml", patch);
    expect(() => renderOverlay(broken, "dev")).toThrow(/no resource matches the patch/);
  });

  it("merges env by name with an env list already in the base, in kustomize's order", () => {
    const deployment = parse(renderOverlay(withBaseEnv(tree), "staging").deployment);
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "KEEP", value: "k" },
    ]);
  });
});

describe("splitRendered", () => {
  it("returns each document's own text, trimmed and ending in a newline", () => {
    const out = renderEnvironment(SPEC, "dev", "local/shop-api:t1");
    expect(splitRendered(out.rendered)).toEqual({ deployment: out.deployment, service: out.service });
    expect(splitRendered(`\n---\n${out.service}\n\n---\n${out.deployment}\n`)).toEqual({
      deployment: out.deployment,
      service: out.service,
    });
  });

  it("omits kinds that are not there", () => {
    expect(splitRendered(SERVICE)).toEqual({ service: SERVICE });
    expect(splitRendered("")).toEqual({});
  });
});
