import { describe, expect, it } from "vitest";
import type { Operation, Project, ProjectStatus, StoredOp } from "../store/index.js";
import { artifactStats, buildJourney, nextAction, type Journey } from "./journey.js";

const NOW = "2026-02-03T04:05:06.789Z";
const SECRET = "s3cr3t-value-never-shown";
const BUILD = "local/shop-api:0123456789ab";

function project(status: Partial<ProjectStatus> = {}, envs: string[] = ["dev", "staging", "prod"]): Project {
  return {
    id: "p1",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    spec: {
      apiVersion: "platform.example.com/v2",
      kind: "App",
      name: "shop-api",
      runtime: "go_1.26",
      environments: Object.fromEntries(envs.map((e) => [e, { vars: { API_TOKEN: `${SECRET}-${e}` } }])),
      networkPolicies: { ingress: "internal", egress: "internal" },
    },
    status: {
      phase: "Ready",
      updated_at: "2026-01-01T00:00:00.000Z",
      last_op_id: "",
      last_op_kind: "",
      message: "ready",
      ...status,
    },
  };
}

function artifacts(contents: Record<string, string>) {
  const files = Object.keys(contents).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const read = async (p: string) => (Object.hasOwn(contents, p) ? contents[p] : null);
  return { files, read };
}

const deployment = (env: string, image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}\n          env:\n            - name: API_TOKEN\n              value: "${SECRET}-${env}"\n`;

function deployed(env: string, image = BUILD): Record<string, string> {
  const d = deployment(env, image);
  return {
    [`deploy/${env}/deployment.yaml`]: d,
    [`deploy/${env}/rendered.yaml`]: `kind: Service\n---\n${d}`,
    [`deploy/${env}/service.yaml`]: "kind: Service\n",
  };
}

const BUILT = { "build/image.txt": `${BUILD}\n`, "build/Dockerfile": "FROM scratch\n" };

function op(kind: Operation["kind"], over: Partial<Operation> = {}): Operation {
  return {
    id: "a".repeat(32),
    kind,
    project_id: "p1",
    requested: "2026-01-02T00:00:00.000Z",
    finished: "0001-01-01T00:00:00Z",
    status: "running",
    steps: [],
    ...over,
  };
}

async function journey(p: Project, contents: Record<string, string>, lastOp?: Operation): Promise<Journey> {
  return buildJourney({ project: p, ...artifacts(contents), lastOp, now: NOW });
}

const statusOf = (j: Journey) => Object.fromEntries(j.milestones.map((m) => [m.id, m.status]));

describe("journey: no build image", () => {
  it("reports created-but-not-built with a build next action", async () => {
    const j = await journey(project(), {});
    expect(j.summary).toBe("App is created. Build output is still pending.");
    expect(j.milestones[0]).toEqual({
      id: "registered",
      title: "App created",
      status: "complete",
      detail: 'App "shop-api" is available in your workspace.',
    });
    expect(j.milestones[1]).toEqual({
      id: "build",
      title: "Build available",
      status: "pending",
      detail: "No build image yet.",
    });
    expect(j.milestones[2]).toEqual({
      id: "env-dev",
      title: "DEV live",
      status: "pending",
      detail: "Not delivered yet.",
    });
    expect(j.milestones[3]).toEqual({
      id: "env-staging",
      title: "STAGING live",
      status: "blocked",
      detail: "Waiting for upstream environment delivery first.",
    });
    expect(j.milestones[4]).toMatchObject({ id: "env-prod", title: "PROD live", status: "blocked" });
    expect(j.next_action).toEqual({
      kind: "build",
      label: "Run a source build",
      detail: "Trigger a source change build so delivery has an image to ship.",
    });
  });

  it("shows the build in progress while a create/update/ci op reconciles", async () => {
    for (const kind of ["create", "update", "ci"] as const) {
      const p = project({ phase: "Reconciling", last_op_id: "a".repeat(32), last_op_kind: kind, message: "queued" });
      const j = await journey(p, {}, op(kind));
      expect(j.milestones[1]).toEqual({
        id: "build",
        title: "Build available",
        status: "in_progress",
        detail: "Build is currently in progress.",
      });
      // The same op also delivers dev (SPEC §11.1).
      expect(j.milestones[2]).toMatchObject({
        status: "in_progress",
        detail: "Delivery for this environment is in progress.",
      });
    }
  });

  it("keeps the build pending while a non-build op reconciles", async () => {
    const p = project({ phase: "Reconciling", last_op_id: "a".repeat(32), last_op_kind: "deploy" });
    const j = await journey(p, {}, op("deploy"));
    expect(statusOf(j).build).toBe("pending");
  });
});

describe("journey: Error phase", () => {
  it("uses the status message everywhere it applies", async () => {
    const p = project({ phase: "Error", message: "no build image found; run create/update/ci before deploy" });
    const j = await journey(p, {});
    expect(j.summary).toBe("no build image found; run create/update/ci before deploy");
    expect(j.milestones[1]).toMatchObject({ status: "failed", detail: p.status.message });
    expect(j.milestones[2]).toMatchObject({ status: "failed", detail: p.status.message });
    expect(j.milestones[3]).toMatchObject({ status: "blocked" });
    expect(j.next_action).toEqual({ kind: "investigate", label: "Review failing activity", detail: p.status.message });
  });

  it("falls back to fixed texts without a status message", async () => {
    const p = project({ phase: "Error", message: undefined });
    const j = await journey(p, {});
    expect(j.summary).toBe("Delivery needs attention.");
    expect(j.milestones[1]).toMatchObject({ status: "failed", detail: "Build stage needs attention." });
    expect(j.milestones[2]).toMatchObject({ status: "failed", detail: "Delivery failed for this environment." });
    expect(j.next_action.detail).toBe("Open the latest activity details, then retry the step.");
  });

  it("fails the first undelivered environment after the live ones", async () => {
    const p = project({ phase: "Error", message: "boom" });
    const j = await journey(p, { ...BUILT, ...deployed("dev") });
    expect(statusOf(j)).toEqual({
      registered: "complete",
      build: "complete",
      "env-dev": "complete",
      "env-staging": "failed",
      "env-prod": "blocked",
    });
    expect(j.summary).toBe("boom");
  });
});

describe("journey: delivery progress", () => {
  it("build available, dev not live → deploy_dev", async () => {
    const j = await journey(project(), BUILT);
    expect(j.summary).toBe("Build is available. No environments have delivery evidence yet.");
    expect(j.milestones[1]).toMatchObject({ status: "complete", detail: `Latest build image: ${BUILD}.` });
    expect(j.next_action).toEqual({
      kind: "deploy_dev",
      label: "Deploy to dev",
      detail: "Ship the latest build to the dev environment.",
      environment: "dev",
    });
    expect(j.environments[0]).toMatchObject({ image: BUILD, image_source: "latest build" });
  });

  it("dev live → promote to staging", async () => {
    const j = await journey(project(), { ...BUILT, ...deployed("dev") });
    expect(j.summary).toBe("Delivery is underway: 1 of 3 environments are live.");
    expect(j.milestones[2]).toEqual({
      id: "env-dev",
      title: "DEV live",
      status: "complete",
      detail: "Deployment manifest is rendered for this environment.",
    });
    expect(j.milestones[3]).toEqual({
      id: "env-staging",
      title: "STAGING live",
      status: "pending",
      detail: "Not delivered yet.",
    });
    expect(j.milestones[4]).toMatchObject({ status: "blocked" });
    expect(j.next_action).toEqual({
      kind: "promote",
      label: "Promote to staging",
      detail: "Move tested image from dev to staging.",
      from_env: "dev",
      to_env: "staging",
    });
  });

  it("staging live → release to production", async () => {
    const j = await journey(project(), {
      ...BUILT,
      ...deployed("dev"),
      ...deployed("staging"),
      "promotions/dev-to-staging/rendered.yaml": "x",
    });
    expect(j.summary).toBe("Delivery is underway: 2 of 3 environments are live.");
    expect(j.next_action).toEqual({
      kind: "release",
      label: "Release to production",
      detail: "Promote verified image from staging to prod.",
      from_env: "staging",
      to_env: "prod",
    });
  });

  it("releases straight from dev when there is no staging", async () => {
    const j = await journey(project({}, ["production"]), { ...BUILT, ...deployed("dev") });
    expect(j.next_action).toMatchObject({ kind: "release", from_env: "dev", to_env: "production" });
    expect(j.next_action.detail).toBe("Promote verified image from dev to production.");
  });

  it("all live → journey is up to date", async () => {
    const j = await journey(project(), {
      ...BUILT,
      ...deployed("dev"),
      ...deployed("staging"),
      ...deployed("prod"),
    });
    expect(j.summary).toBe("All configured environments have delivery evidence.");
    expect(j.next_action).toEqual({
      kind: "none",
      label: "Journey is up to date",
      detail: "All configured environments have delivery evidence.",
    });
    expect(j.milestones.every((m) => m.status === "complete")).toBe(true);
  });

  it("an upstream environment that is not live blocks later ones even when they are ahead", async () => {
    const j = await journey(project(), { ...BUILT, ...deployed("dev"), "releases/dev-to-prod/rendered.yaml": "x" });
    expect(statusOf(j)).toMatchObject({ "env-dev": "complete", "env-staging": "pending", "env-prod": "complete" });
    expect(j.summary).toBe("Delivery is underway: 2 of 3 environments are live.");
    expect(j.next_action).toMatchObject({ kind: "promote", from_env: "dev", to_env: "staging" });
  });

  it("shows the delivering environment in progress while Reconciling", async () => {
    const id = "b".repeat(32);
    const promote = op("promote", { id, delivery: { stage: "promote", from_env: "dev", to_env: "staging" } });
    const p = project({ phase: "Reconciling", last_op_id: id, last_op_kind: "promote", message: "queued promotion" });
    const j = await journey(p, { ...BUILT, ...deployed("dev") }, promote);
    expect(j.milestones[3]).toEqual({
      id: "env-staging",
      title: "STAGING live",
      status: "in_progress",
      detail: "Delivery for this environment is in progress.",
    });
    expect(j.milestones[4]).toMatchObject({ status: "blocked" });
    expect(j.recent_operation).toEqual(promote);
  });

  it("uses last_op_kind when the op itself is not given", async () => {
    const p = project({ phase: "Reconciling", last_op_id: "c".repeat(32), last_op_kind: "deploy" });
    const j = await journey(p, BUILT);
    expect(statusOf(j)["env-dev"]).toBe("in_progress");
    expect(j.recent_operation).toBeUndefined();
  });

  it("a Reconciling op that delivers another environment leaves this one pending", async () => {
    const id = "b".repeat(32);
    const rollback = op("rollback", { id, delivery: { stage: "release", environment: "prod" } });
    const p = project({ phase: "Reconciling", last_op_id: id, last_op_kind: "rollback" });
    const j = await journey(p, { ...BUILT, ...deployed("dev") }, rollback);
    expect(statusOf(j)["env-staging"]).toBe("pending");
  });
});

describe("nextAction", () => {
  it("never proposes a target before dev", () => {
    const p = project();
    const envs = [
      { name: "dev", state: "live" as const },
      { name: "staging", state: "live" as const },
      { name: "qa", state: "pending" as const },
    ];
    expect(nextAction(p, BUILD, envs)).toMatchObject({ kind: "promote", label: "Promote to qa", from_env: "staging" });
  });
});

describe("artifact_stats", () => {
  it("counts by first path segment", () => {
    expect(
      artifactStats([
        "build/Dockerfile",
        "build/image.txt",
        "buildx/log.txt",
        "deploy/dev/rendered.yaml",
        "history/dev/r1/rendered.yaml",
        "notes.txt",
        "promotions/dev-to-staging/rendered.yaml",
        "registration/project.yaml",
        "releases/staging-to-prod/rendered.yaml",
        "releases/staging-to-prod/service.yaml",
        "repos/manifests/README.md",
        "repos/source/main.go",
        "rollbacks/dev/0123456789ab/rendered.yaml",
      ]),
    ).toEqual({
      total: 13,
      build: 2,
      deploy: 1,
      promotion: 1,
      release: 2,
      history: 1,
      repository: 2,
      registration: 1,
      other: 3,
    });
    expect(artifactStats([])).toEqual({
      total: 0,
      build: 0,
      deploy: 0,
      promotion: 0,
      release: 0,
      history: 0,
      repository: 0,
      registration: 0,
      other: 0,
    });
  });
});

describe("journey shape", () => {
  it("has exactly the SPEC keys in order and the API view of the last op", async () => {
    const id = "d".repeat(32);
    const stored: StoredOp = {
      ...op("create", { id, status: "done", finished: "2026-01-02T00:01:00.000Z" }),
      steps: [
        {
          worker: "registrar",
          started_at: "2026-01-02T00:00:01.000Z",
          ended_at: "2026-01-02T00:00:02.000Z",
          message: "project registration upserted",
          artifacts: ["registration/project.yaml"],
        },
      ],
      input: { spec: project().spec, request_id: "r", remote_addr: "127.0.0.1", actor: "me" },
    };
    const p = project({ last_op_id: id, last_op_kind: "create" });
    const j = await journey(p, { ...BUILT, ...deployed("dev") }, stored);
    expect(Object.keys(j)).toEqual([
      "summary",
      "milestones",
      "environments",
      "next_action",
      "artifact_stats",
      "recent_operation",
      "last_update_time",
    ]);
    expect(j.last_update_time).toBe(NOW);
    expect(j.recent_operation).not.toHaveProperty("input");
    expect(Object.keys(j.recent_operation!)).toEqual([
      "id",
      "kind",
      "project_id",
      "requested",
      "finished",
      "status",
      "steps",
    ]);
    expect(j.recent_operation!.steps[0].artifacts).toEqual(["registration/project.yaml"]);
    expect(Object.keys(j.environments[0])).toEqual([
      "name",
      "state",
      "image",
      "image_source",
      "delivery_type",
      "delivery_path",
      "detail",
    ]);
    expect(JSON.stringify(j)).not.toContain(SECRET);
    expect(JSON.stringify(await journey(p, { ...BUILT, ...deployed("dev") }, stored))).toBe(JSON.stringify(j));
  });

  it("omits recent_operation when the given op is not the last one", async () => {
    const p = project({ last_op_id: "e".repeat(32), last_op_kind: "ci" });
    const j = await journey(p, BUILT, op("ci", { id: "f".repeat(32) }));
    expect(j).not.toHaveProperty("recent_operation");
  });
});
