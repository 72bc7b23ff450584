import { describe, it, expect } from "vitest";
import { deployDir, historyDir, imageLineOf, renderFiles, renderPaths } from "./history.js";
import { renderEnvironment } from "./render.js";
import type { ProjectSpec } from "../shared/spec-types.js";

const REL = "0123456789abcdef0123456789abcdef";
const DIGEST = `sha256:${"cd".repeat(32)}`;

describe("paths", () => {
  it("deploy and history dirs", () => {
    expect(renderPaths(deployDir("dev"))).toEqual({
      deployment: "deploy/dev/deployment.yaml",
      service: "deploy/dev/service.yaml",
      rendered: "deploy/dev/rendered.yaml",
    });
    expect(renderPaths(historyDir("prod", REL))).toEqual({
      deployment: `history/prod/${REL}/deployment.yaml`,
      service: `history/prod/${REL}/service.yaml`,
      rendered: `history/prod/${REL}/rendered.yaml`,
    });
  });

  it("renderFiles maps each path to its content", () => {
    const files = renderFiles("deploy/dev", { deployment: "d\n", service: "s\n", rendered: "r\n" });
    expect([...files]).toEqual([
      ["deploy/dev/deployment.yaml", "d\n"],
      ["deploy/dev/rendered.yaml", "r\n"],
      ["deploy/dev/service.yaml", "s\n"],
    ]);
  });
});

describe("imageLineOf", () => {
  const spec: ProjectSpec = {
    apiVersion: "platform.example.com/v2",
    kind: "App",
    name: "shop-api",
    runtime: "go_1.26",
    environments: { dev: { vars: {} } },
    networkPolicies: { ingress: "internal", egress: "internal" },
  };
  const out = renderEnvironment(spec, "dev", `local/shop-api:0123456789ab@${DIGEST}`);

  it("reads the container image of a rendered deployment, digest included", () => {
    expect(imageLineOf(out.deployment)).toBe(`local/shop-api:0123456789ab@${DIGEST}`);
  });

  it("finds it in rendered.yaml too (Service first)", () => {
    expect(imageLineOf(out.rendered)).toBe(`local/shop-api:0123456789ab@${DIGEST}`);
  });

  it("handles quoting, comments, list-item form and CRLF; ignores imagePullPolicy", () => {
    expect(imageLineOf('    imagePullPolicy: Always\r\n    image: "local/x:t1"\r\n')).toBe("local/x:t1");
    expect(imageLineOf("  - image: 'local/x:t2' # pinned\n")).toBe("local/x:t2");
    expect(imageLineOf("  - name: app\n    image: local/x:t3   # note\n")).toBe("local/x:t3");
  });

  it("returns undefined when there is no non-empty image line", () => {
    expect(imageLineOf("kind: Service\n")).toBeUndefined();
    expect(imageLineOf("image:\nimage: ''\n")).toBeUndefined();
    expect(imageLineOf("")).toBeUndefined();
  });
});
