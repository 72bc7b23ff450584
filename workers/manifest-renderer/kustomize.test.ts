import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import type { ProjectSpec } from "../shared/spec-types.js";
import { buildTree, environmentsOf, overlayVars, placeholderImage, staleOverlays } from "./kustomize.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function specWith(environments: ProjectSpec["environments"], name = "shop-api"): ProjectSpec {
  return {
    apiVersion: "platform.example.com/v2",
    kind: "App",
    name,
    runtime: "go_1.26",
    environments,
    networkPolicies: { ingress: "internal", egress: "none" },
  };
}

const SPEC = specWith({
  dev: { vars: { LOG_LEVEL: "debug", API_URL: "http://localhost:8080" } },
  staging: { vars: { LOG_LEVEL: "info" } },
  prod: { vars: {} },
});
const MARKERS = { dev: `local/shop-api:0123456789ab@${DIGEST}`, staging: "local/shop-api:fedcba987654" };

function patchFor(env: string, envLines: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
spec:
  template:
    metadata:
      annotations:
        platform.example.com/environment: ${env}
    spec:
      containers:
        - name: app
          env:
${envLines}`;
}

function overlayKustomization(imageLines: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
patches:
  - path: deployment-patch.yaml
images:
  - name: app-image
${imageLines}`;
}

describe("buildTree", () => {
  const tree = buildTree(SPEC, MARKERS);

  it("writes exactly the root, base and one overlay per environment, paths in byte order", () => {
    expect([...tree.keys()]).toEqual([
      "base/deployment.yaml",
      "base/kustomization.yaml",
      "base/service.yaml",
      "kustomization.yaml",
      "overlays/dev/deployment-patch.yaml",
      "overlays/dev/image.txt",
      "overlays/dev/kustomization.yaml",
      "overlays/prod/deployment-patch.yaml",
      "overlays/prod/image.txt",
      "overlays/prod/kustomization.yaml",
      "overlays/staging/deployment-patch.yaml",
      "overlays/staging/image.txt",
      "overlays/staging/kustomization.yaml",
    ]);
  });

  it("root kustomization points at the dev overlay", () => {
    expect(tree.get("kustomization.yaml")).toBe(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - overlays/dev
`);
  });

  it("base files", () => {
    expect(tree.get("base/kustomization.yaml")).toBe(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
`);
    expect(tree.get("base/deployment.yaml")).toBe(`apiVersion: apps/v1
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
    spec:
      containers:
        - name: app
          image: app-image
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
`);
    expect(tree.get("base/service.yaml")).toBe(`apiVersion: v1
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
`);
  });

  it("dev overlay: digest line, vars sorted by name with quoted values", () => {
    expect(tree.get("overlays/dev/image.txt")).toBe(`local/shop-api:0123456789ab@${DIGEST}\n`);
    expect(tree.get("overlays/dev/kustomization.yaml")).toBe(
      overlayKustomization(`    newName: local/shop-api
    newTag: 0123456789ab
    digest: ${DIGEST}
`),
    );
    expect(tree.get("overlays/dev/deployment-patch.yaml")).toBe(
      patchFor(
        "dev",
        `            - name: API_URL
              value: "http://localhost:8080"
            - name: LOG_LEVEL
              value: "debug"
`,
      ),
    );
  });

  it("staging overlay: no digest line", () => {
    expect(tree.get("overlays/staging/image.txt")).toBe("local/shop-api:fedcba987654\n");
    expect(tree.get("overlays/staging/kustomization.yaml")).toBe(
      overlayKustomization(`    newName: local/shop-api
    newTag: fedcba987654
`),
    );
    expect(tree.get("overlays/staging/deployment-patch.yaml")).toBe(
      patchFor(
        "staging",
        `            - name: LOG_LEVEL
              value: "info"
`,
      ),
    );
  });

  it("prod overlay: placeholder image and PLATFORM_ENVIRONMENT when there are no vars", () => {
    expect(tree.get("overlays/prod/image.txt")).toBe("local/shop-api:latest\n");
    expect(tree.get("overlays/prod/kustomization.yaml")).toBe(
      overlayKustomization(`    newName: local/shop-api
    newTag: latest
`),
    );
    expect(tree.get("overlays/prod/deployment-patch.yaml")).toBe(
      patchFor(
        "prod",
        `            - name: PLATFORM_ENVIRONMENT
              value: "prod"
`,
      ),
    );
  });

  it("names resources with safeName", () => {
    const named = buildTree(specWith({ dev: { vars: {} } }, " Shop_API v2! "), {});
    expect(named.get("base/service.yaml")).toContain("  name: shop-api-v2\n");
    expect(named.get("overlays/dev/image.txt")).toBe("local/shop-api-v2:latest\n");
  });

  it("trims markers, treats blank ones as missing and ignores markers of unknown environments", () => {
    const t = buildTree(SPEC, { dev: " local/shop-api:t1\n", staging: "  ", qa: "local/shop-api:t9" });
    expect(t.get("overlays/dev/image.txt")).toBe("local/shop-api:t1\n");
    expect(t.get("overlays/staging/image.txt")).toBe("local/shop-api:latest\n");
    expect([...t.keys()].some((p) => p.includes("qa"))).toBe(false);
  });

  it("quotes values YAML readers would retype, so they stay strings", () => {
    const t = buildTree(specWith({ dev: { vars: { N: "012", B: "yes", E: 'a "q"\nb' } }, yes: { vars: {} } }), {
      yes: "local/shop-api:012345678901",
    });
    const patch = parse(t.get("overlays/yes/deployment-patch.yaml") ?? "", { version: "1.1" });
    expect(patch.spec.template.metadata.annotations["platform.example.com/environment"]).toBe("yes");
    const k = parse(t.get("overlays/yes/kustomization.yaml") ?? "");
    expect(k.images[0].newTag).toBe("012345678901");
    const dev = parse(t.get("overlays/dev/deployment-patch.yaml") ?? "", { version: "1.1" });
    expect(dev.spec.template.spec.containers[0].env).toEqual([
      { name: "B", value: "yes" },
      { name: "E", value: 'a "q"\nb' },
      { name: "N", value: "012" },
    ]);
  });

  it("is deterministic: same input, byte-identical tree regardless of key order", () => {
    const reordered = specWith({
      prod: { vars: {} },
      staging: { vars: { LOG_LEVEL: "info" } },
      dev: { vars: { API_URL: "http://localhost:8080", LOG_LEVEL: "debug" } },
    });
    const again = buildTree(reordered, { staging: MARKERS.staging, dev: MARKERS.dev });
    expect([...again]).toEqual([...tree]);
  });
});

describe("environmentsOf", () => {
  it("adds dev and orders dev, staging, others by name, production", () => {
    const spec = specWith({ production: { vars: {} }, zeta: { vars: {} }, staging: { vars: {} }, alpha: { vars: {} } });
    expect(environmentsOf(spec)).toEqual(["dev", "staging", "alpha", "zeta", "production"]);
    expect(environmentsOf(specWith({ prod: { vars: {} }, dev: { vars: {} } }))).toEqual(["dev", "prod"]);
  });
});

describe("overlayVars", () => {
  it("sorts by byte order of the name", () => {
    expect(overlayVars(specWith({ dev: { vars: { A_B: "1", AB: "2", a: "3" } } }), "dev")).toEqual([
      { name: "AB", value: "2" },
      { name: "A_B", value: "1" },
      { name: "a", value: "3" },
    ]);
  });

  it("an environment missing from the spec uses the vars of dev", () => {
    const spec = specWith({ alpha: { vars: { X: "alpha" } }, dev: { vars: { X: "dev" } } });
    expect(overlayVars(spec, "qa")).toEqual([{ name: "X", value: "dev" }]);
  });

  it("without dev, the alphabetically first environment's vars are used", () => {
    const spec = specWith({ staging: { vars: { X: "staging" } }, alpha: { vars: { X: "alpha" } } });
    expect(overlayVars(spec, "dev")).toEqual([{ name: "X", value: "alpha" }]);
    expect(buildTree(spec, {}).get("overlays/dev/deployment-patch.yaml")).toContain('value: "alpha"');
  });

  it("no vars → PLATFORM_ENVIRONMENT naming the environment (also via a fallback)", () => {
    expect(overlayVars(specWith({ prod: { vars: {} } }), "prod")).toEqual([
      { name: "PLATFORM_ENVIRONMENT", value: "prod" },
    ]);
    expect(overlayVars(specWith({ prod: { vars: {} } }), "dev")).toEqual([
      { name: "PLATFORM_ENVIRONMENT", value: "dev" },
    ]);
  });
});

describe("staleOverlays and placeholderImage", () => {
  it("lists overlay environments no longer in the spec", () => {
    expect(staleOverlays(SPEC, ["qa", "dev", "prod", "old", "qa"])).toEqual(["old", "qa"]);
  });

  it("placeholder is local/<safeName>:latest", () => {
    expect(placeholderImage({ name: "My App" })).toBe("local/my-app:latest");
  });
});
