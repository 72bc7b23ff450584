import { describe, it, expect } from "vitest";
import { StepError } from "../types.js";
import type { ProjectSpec } from "../shared/spec-types.js";
import { buildTree } from "./kustomize.js";
import { renderEnvironment } from "./render.js";
import { validateManifestFiles, validateManifests } from "./validate.js";

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

const out = renderEnvironment(SPEC, "dev", `local/shop-api:0123456789ab@sha256:${"ab".repeat(32)}`);

/** The error `fn` throws, checked to be a permanent StepError. */
function failure(fn: () => void): StepError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).transient).toBe(false);
    return err as StepError;
  }
  throw new Error("expected a StepError, nothing was thrown");
}

/** `text` with `from` replaced by `to`, failing the test if `from` is not there. */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe("validateManifests", () => {
  it("accepts the real render: Deployment, Service and the two-document rendered.yaml", () => {
    expect(() => validateManifests(out.deployment)).not.toThrow();
    expect(() => validateManifests(out.service)).not.toThrow();
    expect(() => validateManifests(out.rendered)).not.toThrow();
    for (const env of ["staging", "prod"]) {
      expect(() => validateManifests(renderEnvironment(SPEC, env, "local/shop-api:t1").rendered)).not.toThrow();
    }
  });

  it("accepts empty documents and an empty text", () => {
    expect(() => validateManifests(`---\n${out.service}---\n`)).not.toThrow();
    expect(() => validateManifests("")).not.toThrow();
  });

  it("rejects a containerPort given as a string, with its field path", () => {
    const broken = edit(out.deployment, "containerPort: 8080", 'containerPort: "8080"');
    expect(failure(() => validateManifests(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/template/spec/containers/0/ports/0/containerPort must be integer",
    );
  });

  it("does not range-check ports: the Kubernetes OpenAPI schema sets no maximum (the API server does)", () => {
    expect(() => validateManifests(edit(out.deployment, "containerPort: 8080", "containerPort: 70000"))).not.toThrow();
    expect(() => validateManifests(edit(out.service, "port: 80", "port: 70000"))).not.toThrow();
  });

  it("rejects replicas: one", () => {
    const broken = edit(out.deployment, "replicas: 1", 'replicas: "one"');
    expect(failure(() => validateManifests(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/replicas must be integer",
    );
  });

  it("rejects a Deployment without spec.selector", () => {
    const broken = edit(out.deployment, "  selector:\n    matchLabels:\n      app: shop-api\n", "");
    expect(failure(() => validateManifests(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/selector is required",
    );
  });

  it("rejects an env var value that is not a string", () => {
    const broken = edit(out.deployment, 'value: "debug"', "value: 3");
    expect(failure(() => validateManifests(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/template/spec/containers/0/env/1/value must be string",
    );
  });

  it("names both alternatives of an int-or-string field", () => {
    const broken = edit(out.service, "targetPort: 8080", "targetPort: true");
    expect(failure(() => validateManifests(broken)).message).toBe(
      "invalid rendered manifest: Service shop-api: /spec/ports/0/targetPort must be string or integer",
    );
  });

  it("rejects a value outside an enum", () => {
    const broken = edit(out.service, "  selector:\n", "  type: Public\n  selector:\n");
    expect(failure(() => validateManifests(broken)).message).toBe(
      'invalid rendered manifest: Service shop-api: /spec/type must be one of "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    );
  });

  it("rejects unknown kinds", () => {
    const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";
    expect(failure(() => validateManifests(configMap)).message).toBe(
      "invalid rendered manifest: ConfigMap cfg: unsupported kind v1/ConfigMap",
    );
    const oldDeployment = edit(out.deployment, "apiVersion: apps/v1", "apiVersion: extensions/v1beta1");
    expect(failure(() => validateManifests(oldDeployment)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: unsupported kind extensions/v1beta1/Deployment",
    );
    expect(failure(() => validateManifests("kind: Service\nmetadata:\n  name: s\n")).message).toBe(
      "invalid rendered manifest: Service s: /apiVersion is required",
    );
    expect(failure(() => validateManifests("- a\n- b\n")).message).toBe(
      "invalid rendered manifest: document is not a mapping",
    );
  });

  it("checks every document of a multi-document text and lists all failures", () => {
    const badService = edit(out.service, "port: 80", 'port: "http"');
    const badDeployment = edit(out.deployment, "replicas: 1", 'replicas: "one"');
    expect(() => validateManifests(`${out.service}---\n${badDeployment}`)).toThrow(
      /^invalid rendered manifest: Deployment shop-api: \/spec\/replicas must be integer$/,
    );
    expect(failure(() => validateManifests(`${badService}---\n${badDeployment}`)).message).toBe(
      "invalid rendered manifest: Service shop-api: /spec/ports/0/port must be integer; " +
        "Deployment shop-api: /spec/replicas must be integer",
    );
  });

  it("counts the failures it cannot list in a short message", () => {
    const many = Array.from({ length: 40 }, (_, i) => edit(out.service, "name: shop-api", `name: svc-${i}`))
      .map((s) => edit(s, "port: 80", 'port: "http"'))
      .join("---\n");
    const message = failure(() => validateManifests(many)).message;
    expect(message.startsWith("invalid rendered manifest: Service svc-0: /spec/ports/0/port must be integer; ")).toBe(
      true,
    );
    expect(message.length).toBeLessThan(700);
    expect(message).toMatch(/; and \d+ more$/);
  });

  it("reports YAML that does not parse", () => {
    expect(failure(() => validateManifests("a: [\n")).message).toMatch(
      /^invalid rendered manifest: YAML does not parse/,
    );
  });
});

describe("validateManifestFiles", () => {
  const tree = buildTree(SPEC, { staging: "local/shop-api:s1" });

  it("accepts the real kustomize tree (base objects in full, overlay patches as partial objects)", () => {
    expect([...tree.keys()]).toContain("overlays/dev/deployment-patch.yaml");
    expect([...tree.keys()]).toContain("overlays/dev/image.txt");
    expect(() => validateManifestFiles(tree)).not.toThrow();
  });

  it("accepts the files of a render", () => {
    const files = new Map([
      ["deploy/dev/deployment.yaml", out.deployment],
      ["deploy/dev/service.yaml", out.service],
      ["deploy/dev/rendered.yaml", out.rendered],
      ["deploy/dev/image.txt", "not yaml: ["],
    ]);
    expect(() => validateManifestFiles(files)).not.toThrow();
  });

  it("validates a base file in full, naming the file", () => {
    const broken = new Map(tree);
    broken.set(
      "base/deployment.yaml",
      edit(tree.get("base/deployment.yaml")!, "containerPort: 8080", "containerPort: x"),
    );
    expect(failure(() => validateManifestFiles(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/template/spec/containers/0/ports/0/containerPort " +
        "must be integer (in base/deployment.yaml)",
    );
  });

  it("validates a patch for types but not for required fields", () => {
    const patch = tree.get("overlays/staging/deployment-patch.yaml")!;
    expect(patch).not.toContain("selector"); // partial: the base supplies it
    const broken = new Map(tree);
    broken.set("overlays/staging/deployment-patch.yaml", edit(patch, 'value: "info"', "value: 1"));
    expect(failure(() => validateManifestFiles(broken)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/template/spec/containers/0/env/0/value must be string " +
        "(in overlays/staging/deployment-patch.yaml)",
    );
  });

  it("accepts patch syntax: null deletes a field, $patch directives", () => {
    const patch = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: shop-api",
      "spec:",
      "  replicas: null",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: app",
      "          ports:",
      "            - containerPort: 8080",
      "              $patch: delete",
      "",
    ].join("\n");
    const files = new Map(tree);
    files.set("overlays/dev/deployment-patch.yaml", patch);
    expect(() => validateManifestFiles(files)).not.toThrow();
  });

  it("requires a patch to name its target, and a known kind", () => {
    const files = new Map(tree);
    files.set("overlays/dev/deployment-patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n");
    expect(failure(() => validateManifestFiles(files)).message).toBe(
      "invalid rendered manifest: Deployment (unnamed): /metadata/name is required (in overlays/dev/deployment-patch.yaml)",
    );
    files.set("overlays/dev/deployment-patch.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
    expect(failure(() => validateManifestFiles(files)).message).toBe(
      "invalid rendered manifest: Pod p: unsupported kind v1/Pod (in overlays/dev/deployment-patch.yaml)",
    );
  });

  it("finds patches through the kustomization, whatever their file name", () => {
    const files = new Map(tree);
    const patch = files.get("overlays/dev/deployment-patch.yaml")!;
    files.delete("overlays/dev/deployment-patch.yaml");
    files.set("overlays/dev/env.yaml", patch);
    files.set(
      "overlays/dev/kustomization.yaml",
      edit(files.get("overlays/dev/kustomization.yaml")!, "path: deployment-patch.yaml", "path: env.yaml"),
    );
    expect(() => validateManifestFiles(files)).not.toThrow();
    // Not listed as a patch any more: the same file is a complete object, and it is not one.
    files.set("overlays/dev/kustomization.yaml", tree.get("overlays/dev/kustomization.yaml")!);
    expect(() => validateManifestFiles(files)).toThrow(
      "invalid rendered manifest: Deployment shop-api: /spec/selector is required (in overlays/dev/env.yaml)",
    );
  });

  it("lists failures of several files in path order", () => {
    const files = new Map(tree);
    files.set("base/service.yaml", edit(tree.get("base/service.yaml")!, "port: 80", "port: eighty"));
    files.set("base/deployment.yaml", edit(tree.get("base/deployment.yaml")!, "replicas: 1", "replicas: one"));
    expect(failure(() => validateManifestFiles(files)).message).toBe(
      "invalid rendered manifest: Deployment shop-api: /spec/replicas must be integer (in base/deployment.yaml); " +
        "Service shop-api: /spec/ports/0/port must be integer (in base/service.yaml)",
    );
  });
});
