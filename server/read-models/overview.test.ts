import { describe, expect, it } from "vitest";
import type { Operation, Project, ProjectStatus, StoredOp } from "../store/index.js";
import { buildJourney } from "./journey.js";
import { buildOverview, type Overview } from "./overview.js";

const SECRET = "ov-s3cr3t-value";
const BUILD = "local/shop-api:0123456789ab";
const OP_ID = "a".repeat(32);

function project(status: Partial<ProjectStatus> = {}): Project {
  return {
    id: "p1",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    spec: {
      apiVersion: "platform.example.com/v2",
      kind: "App",
      name: "shop-api",
      runtime: "go_1.26",
      environments: {
        dev: { vars: { DB_PASSWORD: `${SECRET}-dev` } },
        staging: { vars: { DB_PASSWORD: `${SECRET}-staging` } },
        prod: { vars: { DB_PASSWORD: `${SECRET}-prod` } },
      },
      networkPolicies: { ingress: "internal", egress: "internal" },
    },
    status: {
      phase: "Ready",
      updated_at: "2026-01-01T00:00:00.000Z",
      last_op_id: OP_ID,
      last_op_kind: "create",
      ...status,
    },
  };
}

function artifacts(contents: Record<string, string>) {
  const files = Object.keys(contents).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const read = async (p: string) => (Object.hasOwn(contents, p) ? contents[p] : null);
  return { files, read };
}

function deployed(env: string, image = BUILD): Record<string, string> {
  const d = `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}\n          env:\n            - name: DB_PASSWORD\n              value: "${SECRET}-${env}"\n`;
  return { [`deploy/${env}/deployment.yaml`]: d, [`deploy/${env}/rendered.yaml`]: d };
}

const BUILT = { "build/image.txt": `${BUILD}\n` };
const DEV_STAGING = { ...BUILT, ...deployed("dev"), "promotions/dev-to-staging/rendered.yaml": "x" };

function op(kind: Operation["kind"], over: Partial<Operation> = {}): Operation {
  return {
    id: OP_ID,
    kind,
    project_id: "p1",
    requested: "2026-01-02T00:00:00.000Z",
    finished: "2026-01-02T00:05:00.000Z",
    status: "done",
    steps: [],
    ...over,
  };
}

async function overview(p: Project, contents: Record<string, string>, lastOp?: Operation): Promise<Overview> {
  return buildOverview({ project: p, ...artifacts(contents), lastOp });
}

const field = (o: Overview, k: keyof Overview["environments"][number]) =>
  Object.fromEntries(o.environments.map((e) => [e.name, e[k]]));

describe("overview health", () => {
  it("is healthy when live, unknown otherwise (Ready)", async () => {
    const o = await overview(project(), DEV_STAGING);
    expect(field(o, "health_status")).toEqual({ dev: "healthy", staging: "healthy", prod: "unknown" });
  });
  it("is degraded for undelivered environments while Reconciling", async () => {
    const o = await overview(project({ phase: "Reconciling" }), DEV_STAGING);
    expect(field(o, "health_status")).toEqual({ dev: "healthy", staging: "healthy", prod: "degraded" });
  });
  it("is failing everywhere in the Error phase", async () => {
    const o = await overview(project({ phase: "Error", message: "render failed" }), DEV_STAGING);
    expect(field(o, "health_status")).toEqual({ dev: "failing", staging: "failing", prod: "failing" });
    expect(o.summary).toBe("render failed");
  });
});

describe("overview environments", () => {
  it("maps journey state, image, type and path; readiness follows delivery", async () => {
    const o = await overview(project(), DEV_STAGING);
    expect(o.environments).toEqual([
      {
        name: "dev",
        health_status: "healthy",
        delivery_state: "live",
        running_image: BUILD,
        delivery_type: "deploy",
        delivery_path: "deploy/dev/rendered.yaml",
        config_readiness: "ok",
        secrets_readiness: "unsupported",
      },
      {
        name: "staging",
        health_status: "healthy",
        delivery_state: "live",
        delivery_type: "promote",
        delivery_path: "promotions/dev-to-staging/rendered.yaml",
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
    ]);
    expect(Object.keys(o)).toEqual(["summary", "environments"]);
    expect(Object.keys(o.environments[0])).toEqual([
      "name",
      "health_status",
      "delivery_state",
      "running_image",
      "delivery_type",
      "delivery_path",
      "config_readiness",
      "secrets_readiness",
    ]);
  });

  it("shares the journey summary", async () => {
    for (const contents of [{}, BUILT, DEV_STAGING]) {
      const p = project();
      const o = await overview(p, contents);
      const j = await buildJourney({ project: p, ...artifacts(contents), now: "2026-01-01T00:00:00.000Z" });
      expect(o.summary).toBe(j.summary);
    }
  });
});

describe("overview last_delivery_at", () => {
  it("is the finished time of a done op, on the environment it delivered", async () => {
    const promote = op("promote", { delivery: { stage: "promote", from_env: "dev", to_env: "staging" } });
    const o = await overview(project({ last_op_kind: "promote" }), DEV_STAGING, promote);
    expect(field(o, "last_delivery_at")).toEqual({
      dev: undefined,
      staging: "2026-01-02T00:05:00.000Z",
      prod: undefined,
    });
    expect(Object.keys(o.environments[1]).at(-1)).toBe("last_delivery_at");
    expect(o.environments[0]).not.toHaveProperty("last_delivery_at");
  });

  it("maps create/ci to dev and falls back to requested when finished is unset", async () => {
    const o = await overview(project(), DEV_STAGING, op("ci", { finished: "0001-01-01T00:00:00Z" }));
    expect(field(o, "last_delivery_at")).toEqual({
      dev: "2026-01-02T00:00:00.000Z",
      staging: undefined,
      prod: undefined,
    });
  });

  it("is absent while the op runs, after it failed, or when the op is not the last one", async () => {
    for (const lastOp of [
      op("deploy", { status: "running", finished: "0001-01-01T00:00:00Z" }),
      op("deploy", { status: "error", error: "boom" }),
      op("deploy", { id: "b".repeat(32) }),
    ]) {
      const o = await overview(project({ last_op_kind: "deploy" }), DEV_STAGING, lastOp);
      expect(o.environments.every((e) => e.last_delivery_at === undefined)).toBe(true);
    }
    const o = await overview(project(), DEV_STAGING);
    expect(o.environments.every((e) => !("last_delivery_at" in e))).toBe(true);
  });
});

describe("overview privacy", () => {
  it("never shows an env var value, even when the last op is a stored op with its spec input", async () => {
    const stored: StoredOp = {
      ...op("create"),
      input: { spec: project().spec, request_id: "r", remote_addr: "127.0.0.1", actor: "me" },
    };
    const contents = { ...DEV_STAGING, ...deployed("staging"), ...deployed("prod") };
    const o = await overview(project(), contents, stored);
    expect(JSON.stringify(o)).not.toContain(SECRET);
    const j = await buildJourney({ project: project(), ...artifacts(contents), lastOp: stored, now: "x" });
    expect(JSON.stringify(j)).not.toContain(SECRET);
    expect(JSON.stringify(await overview(project(), contents, stored))).toBe(JSON.stringify(o));
  });
});
