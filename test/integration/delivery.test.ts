// The delivery journey of issue 4 on a real nats-server and real repos: create → deploy dev → promote dev→staging
// → update → deploy dev → promote dev→qa → promote qa→staging → release staging→prod → rollback prod (each scope).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { parse } from "yaml";
import { call, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const SPEC = {
  name: "orders",
  runtime: "go_1.26",
  environments: {
    dev: { vars: { LOG_LEVEL: "debug" } },
    qa: { vars: { LOG_LEVEL: "info" } },
    staging: { vars: { LOG_LEVEL: "info", FEATURE_X: "on" } },
    production: { vars: { LOG_LEVEL: "warn" } },
  },
};
const ID = "orders";

let dirs: Dirs;
let sw: SlipwayProcess;
const dir = () => join(sw.artifactsRoot, ID);
const read = (p: string) => readFile(join(dir(), p), "utf8");
const git = (...args: string[]) =>
  execFileSync("git", ["-C", join(dir(), "repos/manifests"), ...args], { encoding: "utf8" }).trim();
const imageOf = async (env: string) => /image: (\S+)/.exec(await read(`deploy/${env}/deployment.yaml`))![1];

async function run(path: string, body: object): Promise<any> {
  const r = await call(sw.base, "POST", path, body);
  expect(r.status, `${path} ${JSON.stringify(r.body)}`).toBe(202);
  const op = await waitForOp(sw.base, r.body.op.id);
  expect(op.status, JSON.stringify(op)).toBe("done");
  return { accepted: r.body, op };
}

async function releases(env: string): Promise<any[]> {
  const r = await call(sw.base, "GET", `/api/projects/${ID}/releases?environment=${env}`);
  expect(r.status).toBe(200);
  return r.body.items;
}

beforeAll(async () => {
  dirs = await makeDirs();
  sw = await startSlipway(dirs, { PAAS_STEP_DELAY: "150ms" });
  await run("/api/events/registration", { action: "create", project_id: ID, spec: SPEC });
}, 60_000);

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

describe("deploy, promote, release", () => {
  let buildImage1 = "";

  it("deploys dev from the latest build", async () => {
    buildImage1 = (await read("build/image.txt")).trim();
    const { accepted, op } = await run("/api/events/deployment", { project_id: ID });
    expect(accepted.op.delivery).toEqual({ stage: "deploy", environment: "dev" });
    expect(accepted.project.status.message).toBe("queued deployment");
    expect(op.steps.map((s: any) => [s.worker, s.message])).toEqual([
      ["deployer", "deployed kustomize manifests for dev environment"],
    ]);
    expect(await imageOf("dev")).toBe(buildImage1);
    const [latest] = await releases("dev");
    expect(latest).toMatchObject({
      op_id: op.id,
      op_kind: "deploy",
      delivery_stage: "deploy",
      environment: "dev",
      to_env: "dev",
      image: buildImage1,
      rollback_safe: true,
    });
    expect(latest.manifests_commit).toBe(git("rev-parse", "HEAD"));
    expect(await read(`history/dev/${latest.id}/deployment.yaml`)).toBe(await read("deploy/dev/deployment.yaml"));
  });

  it("checks the deployment request", async () => {
    expect(
      (await call(sw.base, "POST", "/api/events/deployment", { project_id: ID, environment: "staging" })).body.error,
    ).toEqual({
      code: "DEPLOY_DEV_ONLY",
      message: "deployment endpoint supports dev only; use promotion/release for higher environments",
    });
    expect((await call(sw.base, "POST", "/api/events/deployment", {})).body.error.code).toBe("PROJECT_ID_REQUIRED");
    expect((await call(sw.base, "POST", "/api/events/deployment", { project_id: "nope" })).status).toBe(404);
  });

  it("previews and promotes dev → staging carrying the exact image", async () => {
    const preview = await call(sw.base, "POST", "/api/events/promotion/preview", {
      project_id: ID,
      from_env: "dev",
      to_env: "staging",
    });
    expect(preview.status).toBe(200);
    expect(preview.body.action).toBe("promote");
    expect(preview.body.blockers).toEqual([]);
    expect(preview.body.change_summary).toBe(
      `Promote image "${buildImage1}" from dev to staging (target currently "not currently deployed").`,
    );
    expect(preview.body.gates.map((g: any) => [g.code, g.status])).toEqual([
      ["active_operation", "passed"],
      ["invalid_transition", "passed"],
      ["source_not_delivered", "passed"],
      ["source_missing_image", "passed"],
      ["target_unavailable", "warning"],
    ]);
    expect(preview.body.rollout_plan).toEqual([
      "promoter.plan",
      "promoter.render",
      "promoter.commit",
      "promoter.finalize",
    ]);
    const { accepted, op } = await run("/api/events/promotion", {
      project_id: ID,
      from_env: " DEV ",
      to_env: "Staging",
    });
    expect(accepted.op).toMatchObject({
      kind: "promote",
      delivery: { stage: "promote", from_env: "dev", to_env: "staging" },
    });
    expect(accepted.project.status.message).toBe("queued promotion");
    expect(op.steps.map((s: any) => s.message)).toEqual([
      "planned promote transition from dev to staging",
      "rendered promote manifests from dev to staging",
      "committed promote transition manifests",
      "promoted manifests from dev to staging",
    ]);
    expect(await imageOf("staging")).toBe(await imageOf("dev"));
    expect(await read("promotions/dev-to-staging/rendered.yaml")).toBe(await read("deploy/staging/rendered.yaml"));
    const env = parse((await read("deploy/staging/rendered.yaml")).split(/^---$/m)[1]).spec.template.spec.containers[0]
      .env;
    expect(env).toEqual([
      { name: "FEATURE_X", value: "on" },
      { name: "LOG_LEVEL", value: "info" },
    ]);
    const [rel] = await releases("staging");
    expect(rel).toMatchObject({
      op_kind: "promote",
      delivery_stage: "promote",
      from_env: "dev",
      to_env: "staging",
      image: buildImage1,
    });
    expect(git("log", "-1", "--format=%s")).toBe(
      `platform-sync: promote manifests dev->staging (${op.id.slice(0, 12)})`,
    );
  });

  it("refuses bad transitions with the SPEC codes", async () => {
    const cases: [object, string, string][] = [
      [{ from_env: "dev" }, "ENVIRONMENTS_REQUIRED", "from_env and to_env are required"],
      [
        { from_env: "dev", to_env: "Not Valid" },
        "INVALID_ENVIRONMENT_NAME",
        "from_env and to_env must be valid environment names",
      ],
      [{ from_env: "uat", to_env: "staging" }, "ENVIRONMENT_NOT_DEFINED", 'from_env "uat" is not defined for project'],
      [{ from_env: "dev", to_env: "uat" }, "ENVIRONMENT_NOT_DEFINED", 'to_env "uat" is not defined for project'],
      [{ from_env: "prod", to_env: "production" }, "ENVIRONMENTS_MUST_DIFFER", "from_env and to_env must differ"],
    ];
    for (const [body, code, message] of cases) {
      const r = await call(sw.base, "POST", "/api/events/promotion", { project_id: ID, ...body });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ code, message });
    }
    const r = await call(sw.base, "POST", "/api/events/release", { project_id: ID, from_env: "dev", to_env: "qa" });
    expect(r.body.error).toEqual({
      code: "RELEASE_REQUIRES_PRODUCTION",
      message: 'release endpoint requires production target environment (got "qa")',
    });
  });

  it("previews report blockers: undefined target, undelivered source, missing image", async () => {
    const undefinedTarget = (
      await call(sw.base, "POST", "/api/events/promotion/preview", { project_id: ID, from_env: "dev", to_env: "uat" })
    ).body;
    expect(undefinedTarget.blockers.map((b: any) => b.code)).toEqual(["target_unavailable", "invalid_transition"]);
    expect(undefinedTarget.blockers[0].message).toBe('Target environment "uat" is unavailable for this project.');
    expect(undefinedTarget.change_summary).toBe(
      "Preview is blocked by 2 blocker(s). Resolve blockers before confirming the transition.",
    );
    expect(undefinedTarget.gates.find((g: any) => g.code === "target_unavailable")).toMatchObject({
      status: "blocked",
      detail: "Target environment is not configured for this project.",
    });
    const undelivered = (
      await call(sw.base, "POST", "/api/events/promotion/preview", {
        project_id: ID,
        from_env: "qa",
        to_env: "staging",
      })
    ).body;
    expect(undelivered.blockers.map((b: any) => b.code)).toEqual(["source_not_delivered", "source_missing_image"]);
    expect(undelivered.blockers[0]).toEqual({
      code: "source_not_delivered",
      message: 'Source environment "qa" has no delivered release.',
      why: "Promotions and releases require a delivered source to copy forward.",
      next_action: 'Deliver or promote into "qa" first, then retry preview.',
    });
    expect(undelivered.target_release.environment).toBe("staging");
    expect(undelivered.gates.find((g: any) => g.code === "target_unavailable").status).toBe("passed");
  });

  it("a preview during an active op reports the active operation", async () => {
    const r = await call(sw.base, "POST", "/api/events/deployment", { project_id: ID });
    expect(r.status).toBe(202);
    const preview = (
      await call(sw.base, "POST", "/api/events/promotion/preview", {
        project_id: ID,
        from_env: "dev",
        to_env: "staging",
      })
    ).body;
    expect(preview.blockers[0].code).toBe("active_operation");
    expect(preview.blockers[0].why).toMatch(
      /^project already has an active operation \(deploy [0-9a-f]{32}, status (queued|running)\); wait for it to finish and retry$/,
    );
    const conflict = await call(sw.base, "POST", "/api/events/promotion", {
      project_id: ID,
      from_env: "dev",
      to_env: "staging",
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.requested_kind).toBe("promote");
    await waitForOp(sw.base, r.body.op.id);
  });

  let image2 = "";
  it("update builds a new image; deploy dev; promote dev → qa → staging; release staging → prod", async () => {
    await run("/api/events/registration", { action: "update", project_id: ID, spec: SPEC });
    image2 = (await read("build/image.txt")).trim();
    expect(image2).not.toBe(buildImage1);
    await run("/api/events/deployment", { project_id: ID });
    expect(await imageOf("dev")).toBe(image2);
    await run("/api/events/promotion", { project_id: ID, from_env: "dev", to_env: "qa" });
    const qaPreview = (
      await call(sw.base, "POST", "/api/events/promotion/preview", {
        project_id: ID,
        from_env: "qa",
        to_env: "staging",
      })
    ).body;
    expect(qaPreview.change_summary).toBe(
      `Promote image "${image2}" from qa to staging (target currently "${buildImage1}").`,
    );
    await run("/api/events/promotion", { project_id: ID, from_env: "qa", to_env: "staging" });
    const relPreview = (
      await call(sw.base, "POST", "/api/events/promotion/preview", {
        project_id: ID,
        from_env: "staging",
        to_env: "prod",
      })
    ).body;
    expect(relPreview.action).toBe("release");
    const { accepted, op } = await run("/api/events/release", { project_id: ID, from_env: "staging" });
    expect(accepted.op).toMatchObject({
      kind: "release",
      delivery: { stage: "release", from_env: "staging", to_env: "production" },
    });
    expect(op.steps[3].message).toBe("released manifests from staging to production");
    for (const env of ["qa", "staging", "production"]) expect(await imageOf(env)).toBe(image2);
    expect(await read("releases/staging-to-production/rendered.yaml")).toBe(
      await read("deploy/production/rendered.yaml"),
    );
    const [prod] = await releases("prod");
    expect(prod).toMatchObject({
      op_kind: "release",
      delivery_stage: "release",
      environment: "production",
      from_env: "staging",
      image: image2,
    });
    const subjects = git("log", "--format=%s").split("\n");
    expect(subjects[0]).toBe(`platform-sync: release manifests staging->production (${op.id.slice(0, 12)})`);
    expect(subjects.every((s) => s.startsWith("platform-sync: "))).toBe(true);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("compares releases deterministically", async () => {
    const [newer, older] = await releases("staging");
    const url = `/api/projects/${ID}/releases/COMPARE?from=${older.id}&to=${newer.id}`;
    const a = await call(sw.base, "GET", url);
    const b = await call(sw.base, "GET", url);
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
    expect(a.body.image_delta).toEqual({ changed: true, from: buildImage1, to: image2 });
    expect(a.body.config_delta.changed).toBe(false);
    expect(a.body.summary).toBe(
      "Image changed: true. Config vars: +0 -0 ~0. Rendered manifest changed (noise-filtered): true.",
    );
    expect((await call(sw.base, "GET", `/api/projects/${ID}/releases/compare?from=${older.id}`)).body.error.code).toBe(
      "COMPARE_IDS_REQUIRED",
    );
    expect((await call(sw.base, "GET", `/api/projects/${ID}/releases/${newer.id}`)).body.id).toBe(newer.id);
    expect((await call(sw.base, "GET", `/api/projects/${ID}/releases/${"f".repeat(32)}`)).status).toBe(404);
    expect((await call(sw.base, "GET", `/api/projects/${ID}/releases`)).body.error.code).toBe("ENVIRONMENT_REQUIRED");
    expect((await call(sw.base, "GET", `/api/projects/${ID}/releases?environment=uat`)).body.error.message).toBe(
      'environment "uat" is not defined for project',
    );
    const page = await call(sw.base, "GET", `/api/projects/${ID}/releases?environment=dev&limit=1`);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next_cursor).toBe(page.body.items[0].id);
  });
});

describe("rollback", () => {
  it("rolls production back with each scope", async () => {
    const history = await releases("production");
    expect(history).toHaveLength(1);
    // Release again so production has a release to roll back to, then roll back to the first one.
    await run("/api/events/registration", {
      action: "update",
      project_id: ID,
      spec: {
        ...SPEC,
        environments: { ...SPEC.environments, production: { vars: { LOG_LEVEL: "error", NEW_VAR: "1" } } },
      },
    });
    await run("/api/events/deployment", { project_id: ID });
    await run("/api/events/promotion", { project_id: ID, from_env: "dev", to_env: "staging" });
    await run("/api/events/release", { project_id: ID, from_env: "staging", to_env: "production" });
    const [current, target] = await releases("production");
    expect(current.image).not.toBe(target.image);

    const preview = (
      await call(sw.base, "POST", "/api/events/rollback/preview", {
        project_id: ID,
        environment: "prod",
        release_id: target.id,
        scope: "code_and_config",
      })
    ).body;
    expect(preview).toMatchObject({
      project_id: ID,
      environment: "production",
      release_id: target.id,
      scope: "code_and_config",
      ready: true,
      blockers: [],
    });
    expect(preview.current_release.id).toBe(current.id);
    expect(preview.compare.config_delta).toMatchObject({ changed: true, removed: ["NEW_VAR"], updated: ["LOG_LEVEL"] });

    // code_only: the old image, today's vars.
    const code = await run("/api/events/rollback", {
      project_id: ID,
      environment: "prod",
      release_id: target.id,
      scope: "code_only",
    });
    expect(code.accepted.op).toMatchObject({
      kind: "rollback",
      delivery: { stage: "release", environment: "production", from_env: "production", to_env: "production" },
    });
    expect(code.op.steps.map((s: any) => s.message)).toEqual([
      `planned rollback of production using release ${target.id.slice(0, 12)} with scope code_only`,
      "rendered rollback manifests for production (code_only)",
      "committed rollback manifests for production",
      `rolled back production to release ${target.id.slice(0, 12)} using code_only scope`,
    ]);
    expect(await imageOf("production")).toBe(target.image);
    expect(await read("deploy/production/deployment.yaml")).toContain("NEW_VAR");
    expect(git("log", "-1", "--format=%s")).toBe(
      `platform-sync: rollback production to ${target.id.slice(0, 12)} (code_only ${code.op.id.slice(0, 12)})`,
    );
    const [rb] = await releases("production");
    expect(rb).toMatchObject({
      op_kind: "rollback",
      delivery_stage: "release",
      rollback_source_release: target.id,
      rollback_scope: "code_only",
      image: target.image,
    });

    // code_and_config: the old vars come back and stay in the project spec.
    await run("/api/events/rollback", {
      project_id: ID,
      environment: "production",
      release_id: target.id,
      scope: "code_and_config",
    });
    expect(await read("deploy/production/deployment.yaml")).not.toContain("NEW_VAR");
    const spec = (await call(sw.base, "GET", `/api/projects/${ID}`)).body.spec;
    expect(spec.environments.production.vars).toEqual({ LOG_LEVEL: "warn" });

    // full_state: the snapshot byte for byte.
    const full = await run("/api/events/rollback", {
      project_id: ID,
      environment: "production",
      release_id: target.id,
      scope: "full_state",
    });
    const snapshot = await read(target.rendered_path);
    expect(await read("deploy/production/rendered.yaml")).toBe(snapshot);
    expect(await read(`rollbacks/production/${full.op.id.slice(0, 12)}/rendered.yaml`)).toBe(snapshot);
  }, 120_000);

  it("refuses rollbacks whose preflight fails, including an unsafe release without override", async () => {
    const [latest] = await releases("production");
    const bad = await call(sw.base, "POST", "/api/events/rollback", {
      project_id: ID,
      environment: "qa",
      release_id: latest.id,
      scope: "everything",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({
      code: "ROLLBACK_NOT_READY",
      message: "rollback preflight failed",
      details: { blockers: ["rollback_scope_invalid", "rollback_environment_unavailable"] },
    });
    expect(bad.body.ready).toBe(false);
    expect(bad.body.request_id).toMatch(/^[0-9a-f]{32}$/);
    // Mark a release unsafe directly in the store, as an operator would.
    const nats = (await call(sw.base, "GET", "/api/system")).body.nats.url;
    const nc = await connect({ servers: nats });
    try {
      const kv = await new Kvm(jetstream(nc)).open("paas_releases");
      await kv.put(`release.${latest.id}`, JSON.stringify({ ...latest, rollback_safe: false }));
    } finally {
      await nc.close();
    }
    const unsafe = await call(sw.base, "POST", "/api/events/rollback/preview", {
      project_id: ID,
      environment: "production",
      release_id: latest.id,
      scope: "code_only",
    });
    expect(unsafe.body.ready).toBe(false);
    expect(unsafe.body.blockers.map((b: any) => b.code)).toEqual(["rollback_not_safe"]);
    expect(unsafe.body.gates.find((g: any) => g.code === "rollback_not_safe").status).toBe("blocked");
    expect(
      (
        await call(sw.base, "POST", "/api/events/rollback", {
          project_id: ID,
          environment: "production",
          release_id: latest.id,
          scope: "code_only",
        })
      ).status,
    ).toBe(400);
    const ok = await run("/api/events/rollback", {
      project_id: ID,
      environment: "production",
      release_id: latest.id,
      scope: "code_only",
      override: true,
    });
    expect(ok.op.status).toBe("done");
  }, 60_000);
});

describe("read models", () => {
  it("serves the overview and journey of a fully delivered app", async () => {
    const j = await call(sw.base, "GET", `/api/projects/${ID}/journey`);
    expect(j.status).toBe(200);
    expect(j.body.project.id).toBe(ID);
    expect(j.body.journey.environments.map((e: any) => [e.name, e.state])).toEqual([
      ["dev", "live"],
      ["staging", "live"],
      ["qa", "live"],
      ["production", "live"],
    ]);
    expect(j.body.journey.summary).toBe("All configured environments have delivery evidence.");
    expect(j.body.journey.next_action).toMatchObject({ kind: "none", label: "Journey is up to date" });
    const o = await call(sw.base, "GET", `/api/projects/${ID}/overview`);
    expect(o.status).toBe(200);
    expect(o.body.overview.environments.find((e: any) => e.name === "production")).toMatchObject({
      health_status: "healthy",
      delivery_state: "live",
      secrets_readiness: "unsupported",
    });
    expect(JSON.stringify(o.body.overview)).not.toContain("warn"); // no env var value ever appears
    expect(JSON.stringify(j.body.journey)).not.toContain("warn");
    expect((await call(sw.base, "GET", `/api/projects/${ID}/overview/x`)).body.error.code).toBe("ROUTE_NOT_FOUND");
    expect((await call(sw.base, "GET", "/api/projects/ghost/journey")).status).toBe(404);
  });
});

describe("delivery envelopes", () => {
  it("answers INVALID_JSON for a wrongly typed field before any other check", async () => {
    const cases: [string, object][] = [
      ["/api/events/deployment", { environment: 5 }],
      ["/api/events/promotion", { project_id: "ghost", from_env: "dev", to_env: 5 }],
      ["/api/events/release", { project_id: 7 }],
      ["/api/events/promotion/preview", { project_id: "ghost", from_env: [] }],
      ["/api/events/rollback", { project_id: "ghost", override: "yes" }],
      ["/api/events/rollback/preview", { project_id: "ghost", scope: {} }],
    ];
    for (const [path, body] of cases) {
      const r = await call(sw.base, "POST", path, body);
      expect(r.status, path).toBe(400);
      expect(r.body.error.code, path).toBe("INVALID_JSON");
      expect(r.body.error.details.errors.length, path).toBe(1);
    }
  });
});
