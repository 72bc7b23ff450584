import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../workers/types.js";
import { canonicalRendered, compareReleases, deploymentVars, varsDigest, type CompareResponse } from "./compare.js";

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

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

type EnvEntry = [string, string] | [string, { valueFrom: unknown }];

function deploymentDoc(image: string, env: EnvEntry[], metadataExtra = ""): string {
  const envLines = env
    .map(([k, v]) =>
      typeof v === "string"
        ? `            - name: ${k}\n              value: ${JSON.stringify(v)}\n`
        : `            - name: ${k}\n              valueFrom:\n                secretKeyRef:\n                  name: s\n                  key: k\n`,
    )
    .join("");
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
${metadataExtra}spec:
  replicas: 1
  template:
    metadata:
      annotations:
        platform.example.com/environment: dev
    spec:
      containers:
        - name: app
          image: ${image}
          env:
${envLines}`;
}

const rendered = (deployment: string) => `${SERVICE}---\n${deployment}`;

function release(id: string, env: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    id,
    project_id: "p1",
    environment: env,
    op_id: id.replace(/./g, "0"),
    op_kind: "deploy",
    delivery_stage: "deploy",
    to_env: env,
    image: "local/shop-api:aaaaaaaaaaaa",
    rendered_path: `history/${env}/${id}/rendered.yaml`,
    config_path: `history/${env}/${id}/deployment.yaml`,
    rollback_safe: true,
    created_at: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

const R1 = "1".repeat(32);
const R2 = "2".repeat(32);

/** Writes a release's snapshot (deployment + rendered) into an in-memory artifact map. */
function snapshot(
  files: Map<string, string>,
  r: ReleaseRecord,
  deployment: string,
  renderedText = rendered(deployment),
) {
  files.set(`history/${r.environment}/${r.id}/deployment.yaml`, deployment);
  files.set(`history/${r.environment}/${r.id}/rendered.yaml`, renderedText);
}

function reader(files: Map<string, string>) {
  return async (p: string) => files.get(p) ?? null;
}

const SUMMARY = (img: boolean, a: number, r: number, u: number, rend: boolean) =>
  `Image changed: ${img}. Config vars: +${a} -${r} ~${u}. Rendered manifest changed (noise-filtered): ${rend}.`;

describe("compareReleases", () => {
  it("reports no change for identical snapshots", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "dev");
    const b = release(R2, "dev");
    const dep = deploymentDoc("local/shop-api:aaaaaaaaaaaa", [["LOG_LEVEL", "info"]]);
    snapshot(files, a, dep);
    snapshot(files, b, dep);
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.summary).toBe(SUMMARY(false, 0, 0, 0, false));
    expect(c.image_delta).toEqual({
      changed: false,
      from: "local/shop-api:aaaaaaaaaaaa",
      to: "local/shop-api:aaaaaaaaaaaa",
    });
    expect(c.config_delta).toEqual({ changed: false, from: sha("LOG_LEVEL=info"), to: sha("LOG_LEVEL=info") });
    const canon = canonicalRendered(rendered(dep));
    expect(c.rendered_delta).toEqual({ changed: false, from: sha(canon), to: sha(canon) });
    expect(c.from_id).toBe(R1);
    expect(c.to_id).toBe(R2);
  });

  it("detects an image change (trimmed)", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "staging", { image: " local/shop-api:aaaaaaaaaaaa " });
    const b = release(R2, "staging", { image: `local/shop-api:bbbbbbbbbbbb@sha256:${"c".repeat(64)}` });
    snapshot(files, a, deploymentDoc("local/shop-api:aaaaaaaaaaaa", [["A", "1"]]));
    snapshot(files, b, deploymentDoc(`local/shop-api:bbbbbbbbbbbb@sha256:${"c".repeat(64)}`, [["A", "1"]]));
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.image_delta).toEqual({
      changed: true,
      from: "local/shop-api:aaaaaaaaaaaa",
      to: `local/shop-api:bbbbbbbbbbbb@sha256:${"c".repeat(64)}`,
    });
    expect(c.config_delta.changed).toBe(false);
    expect(c.rendered_delta.changed).toBe(true);
    expect(c.summary).toBe(SUMMARY(true, 0, 0, 0, true));
  });

  it("treats whitespace-only image differences as unchanged and omits missing images", async () => {
    const c = await compareReleases({
      from: release(R1, "dev", { image: undefined }),
      to: release(R2, "dev", { image: "  " }),
      read: async () => null,
    });
    expect(c.image_delta).toEqual({ changed: false });
    expect(c.config_delta).toEqual({ changed: false });
    expect(c.rendered_delta).toEqual({ changed: false });
    expect(c.summary).toBe(SUMMARY(false, 0, 0, 0, false));
  });

  it("lists added, removed and updated vars (valueFrom as a literal), sorted", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "prod");
    const b = release(R2, "prod");
    snapshot(
      files,
      a,
      deploymentDoc("img", [
        ["ZED", "1"],
        ["LOG_LEVEL", "info"],
        ["OLD_B", "x"],
        ["OLD_A", "y"],
        ["TOKEN", "plain"],
        ["SAME", "s"],
      ]),
    );
    snapshot(
      files,
      b,
      deploymentDoc("img", [
        ["NEW_B", "1"],
        ["LOG_LEVEL", "debug"],
        ["TOKEN", { valueFrom: {} }],
        ["ZED", "1"],
        ["SAME", "s"],
        ["NEW_A", "2"],
      ]),
    );
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.config_delta).toEqual({
      changed: true,
      from: sha(["LOG_LEVEL=info", "OLD_A=y", "OLD_B=x", "SAME=s", "TOKEN=plain", "ZED=1"].join("\n")),
      to: sha(["LOG_LEVEL=debug", "NEW_A=2", "NEW_B=1", "SAME=s", "TOKEN=<valueFrom>", "ZED=1"].join("\n")),
      added: ["NEW_A", "NEW_B"],
      removed: ["OLD_A", "OLD_B"],
      updated: ["LOG_LEVEL", "TOKEN"],
    });
    expect(c.summary).toBe(SUMMARY(false, 2, 2, 2, true));
    expect(JSON.stringify(c)).not.toContain("plain");
  });

  it("omits the config digest of a side without vars", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "dev");
    const b = release(R2, "dev");
    snapshot(files, a, deploymentDoc("img", []).replace("          env:\n", ""));
    snapshot(files, b, deploymentDoc("img", [["A", "1"]]));
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.config_delta).toEqual({ changed: true, to: sha("A=1"), added: ["A"] });
    expect(Object.keys(c.config_delta)).toEqual(["changed", "to", "added"]);
  });

  it("finds the deployment snapshot: config_path, then the rendered dir, then rendered.yaml", async () => {
    const files = new Map<string, string>();
    // config_path missing on disk → <dir of rendered_path>/deployment.yaml
    const a = release(R1, "dev", { config_path: "history/dev/gone/deployment.yaml" });
    files.set(`history/dev/${R1}/deployment.yaml`, deploymentDoc("img", [["FROM_SIBLING", "1"]]));
    files.set(`history/dev/${R1}/rendered.yaml`, rendered(deploymentDoc("img", [["FROM_RENDERED", "1"]])));
    // neither config nor sibling → rendered_path itself
    const b = release(R2, "dev", { config_path: undefined, rendered_path: "/snap/r2.yaml/" });
    files.set("snap/r2.yaml", rendered(deploymentDoc("img", [["FROM_RENDERED", "1"]])));
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.config_delta).toMatchObject({ added: ["FROM_RENDERED"], removed: ["FROM_SIBLING"] });
    expect(c.rendered_delta.changed).toBe(false);
  });

  it("filters rendered noise but still sees real changes", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "dev");
    const b = release(R2, "dev");
    const clean = deploymentDoc("img", [["A", "1"]]);
    const noisy = deploymentDoc(
      "img",
      [["A", "1"]],
      `  creationTimestamp: "2026-01-01T00:00:00Z"
  resourceVersion: "12345"
  uid: 0b3c7a4e-1111-2222-3333-444455556666
  generation: 7
  managedFields:
    - manager: kubectl
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"big":"json"}'
    deployment.kubernetes.io/revision: "3"
`,
    );
    snapshot(files, a, clean);
    // Different document order and extra blank docs are not changes either.
    snapshot(files, b, noisy, `---\n${noisy}---\n${SERVICE}---\n`);
    let c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.rendered_delta.changed).toBe(false);
    expect(c.rendered_delta.from).toBe(c.rendered_delta.to);

    const annotated = deploymentDoc("img", [["A", "1"]], "  annotations:\n    team: payments\n");
    snapshot(files, b, annotated);
    c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.rendered_delta.changed).toBe(true);
    expect(c.summary).toBe(SUMMARY(false, 0, 0, 0, true));
  });

  it("reports a rendered change when only one side has a rendered snapshot", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "dev", { rendered_path: undefined });
    const b = release(R2, "dev");
    snapshot(files, b, deploymentDoc("img", []));
    const c = await compareReleases({ from: a, to: b, read: reader(files) });
    expect(c.rendered_delta.changed).toBe(true);
    expect(Object.keys(c.rendered_delta)).toEqual(["changed", "to"]);
  });

  it("is deterministic with a stable key order", async () => {
    const files = new Map<string, string>();
    const a = release(R1, "dev");
    // Same record fields in a scrambled insertion order.
    const b = Object.fromEntries(Object.entries(release(R2, "dev", { image: "x" })).reverse()) as ReleaseRecord;
    snapshot(
      files,
      a,
      deploymentDoc("img", [
        ["B", "2"],
        ["A", { valueFrom: {} }],
      ]),
    );
    snapshot(files, b, deploymentDoc("img2", [["C", "3"]]));
    const run = () => compareReleases({ from: a, to: b, read: reader(files) });
    const first: CompareResponse = await run();
    expect(JSON.stringify(first)).toBe(JSON.stringify(await run()));
    expect(Object.keys(first)).toEqual([
      "from_id",
      "to_id",
      "from_release",
      "to_release",
      "summary",
      "image_delta",
      "config_delta",
      "rendered_delta",
    ]);
    expect(Object.keys(first.to_release)).toEqual(Object.keys(first.from_release));
    expect(Object.keys(first.from_release)).toEqual([
      "id",
      "project_id",
      "environment",
      "op_id",
      "op_kind",
      "delivery_stage",
      "to_env",
      "image",
      "rendered_path",
      "config_path",
      "rollback_safe",
      "created_at",
    ]);
    expect(Object.keys(first.config_delta)).toEqual(["changed", "from", "to", "added", "removed"]);
  });
});

describe("deploymentVars / varsDigest / canonicalRendered", () => {
  it("reads every Deployment doc and container, last value wins; other kinds ignored", () => {
    const text = [
      "kind: ConfigMap\ndata:\n  X: y\n",
      "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          env:\n            - name: A\n              value: 1\n            - name: E\n        - name: b\n          env:\n            - name: B\n              value: b\n",
      "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          env:\n            - name: A\n              value: last\n",
    ].join("---\n");
    expect(deploymentVars(text)).toEqual({ A: "last", E: "", B: "b" });
  });

  it("sorts K=V lines in byte order before hashing", () => {
    expect(varsDigest({})).toBeUndefined();
    expect(varsDigest({ A: "2", A1: "1" })).toBe(sha("A1=1\nA=2"));
  });

  it("canonicalises docs as sorted-key JSON, sorted", () => {
    expect(canonicalRendered("kind: B\nmetadata:\n  name: x\n  uid: u\n---\nb: 1\na: [2, 1]\n")).toBe(
      '{"a":[2,1],"b":1}\n{"kind":"B","metadata":{"name":"x"}}',
    );
    expect(canonicalRendered("")).toBe("");
  });
});
