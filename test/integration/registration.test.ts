import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

let dirs: Dirs;
let sw: SlipwayProcess;

beforeAll(async () => {
  dirs = await makeDirs();
  // A step delay keeps each op active long enough that the 409 checks below are deterministic.
  sw = await startSlipway(dirs, { PAAS_STEP_DELAY: "400ms" });
});

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

describe("registration create → update → delete over real NATS, git and files", () => {
  let projectId = "";
  let createOpId = "";

  it("accepts a create with 202 and the queued op", async () => {
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: " Create ",
      project_id: "shop-api",
      spec: SAMPLE_SPEC,
    });
    expect(r.status).toBe(202);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.text.endsWith("}\n")).toBe(true);
    expect(r.body.accepted).toBe(true);
    expect(r.body.project.id).toBe("shop-api");
    expect(r.body.project.status).toMatchObject({ phase: "Reconciling", message: "queued", last_op_kind: "create" });
    expect(r.body.op).toMatchObject({
      kind: "create",
      project_id: "shop-api",
      status: "queued",
      steps: [],
      finished: "0001-01-01T00:00:00Z",
    });
    expect(r.body.op.input).toBeUndefined();
    expect(r.body.project.status.last_op_id).toBe(r.body.op.id);
    projectId = r.body.project.id;
    createOpId = r.body.op.id;
  });

  it("runs the four steps to done and leaves the project Ready", async () => {
    const op = await waitForOp(sw.base, createOpId);
    expect(op.status).toBe("done");
    expect(op.steps.map((s: any) => s.worker)).toEqual([
      "registrar",
      "repoBootstrap",
      "imageBuilder",
      "manifestRenderer",
    ]);
    expect(op.steps.map((s: any) => s.message)).toEqual([
      "project registration upserted",
      "bootstrapped local source/manifests git repos and installed source webhook",
      "container image built and published to local daemon",
      "deployed kustomize manifests for dev environment",
    ]);
    for (const s of op.steps) expect(s.ended_at).not.toBe("0001-01-01T00:00:00Z");
    const p = await call(sw.base, "GET", `/api/projects/${projectId}`);
    expect(p.body.status).toMatchObject({ phase: "Ready", message: "ready", last_op_id: createOpId });
  });

  it("writes every artifact of SPEC §8 with the documented contents", async () => {
    const { body } = await call(sw.base, "GET", `/api/projects/${projectId}/artifacts`);
    const files: string[] = body.files;
    const rel = files.find((f) => f.startsWith("history/dev/"))!.split("/")[2];
    expect(rel).toMatch(/^[0-9a-f]{32}$/);
    expect(files).toEqual(
      [
        "build/Dockerfile",
        "build/image.txt",
        "build/publish-local-daemon.json",
        "deploy/dev/deployment.yaml",
        "deploy/dev/rendered.yaml",
        "deploy/dev/service.yaml",
        `history/dev/${rel}/deployment.yaml`,
        `history/dev/${rel}/rendered.yaml`,
        `history/dev/${rel}/service.yaml`,
        "registration/project.yaml",
        "registration/registration.json",
        "repos/bootstrap-local.json",
        "repos/manifests/.paas/repo.json",
        "repos/manifests/README.md",
        "repos/manifests/base/deployment.yaml",
        "repos/manifests/base/kustomization.yaml",
        "repos/manifests/base/service.yaml",
        "repos/manifests/kustomization.yaml",
        ...["dev", "prod", "staging"].flatMap((e) => [
          `repos/manifests/overlays/${e}/deployment-patch.yaml`,
          `repos/manifests/overlays/${e}/image.txt`,
          `repos/manifests/overlays/${e}/kustomization.yaml`,
        ]),
        "repos/source/.paas/repo.json",
        "repos/source/.paas/webhook.json",
        "repos/source/README.md",
        "repos/source/go.mod",
        "repos/source/main.go",
      ].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    const dir = join(dirs.artifactsRoot, projectId);
    const read = (p: string) => readFile(join(dir, p), "utf8");
    const image = `local/shop-api:${createOpId.slice(0, 12)}`;
    expect(await read("build/image.txt")).toBe(`${image}\n`);
    const publish = JSON.parse(await read("build/publish-local-daemon.json"));
    expect(publish).toMatchObject({
      op_id: createOpId,
      project_id: projectId,
      image,
      runtime: "go_1.26",
      daemon_target: "local",
      builder_backend: "artifact",
      builder_mode: "artifact",
      requested_builder_mode: "artifact",
      builder_mode_explicit: true,
    });
    expect(publish.source_commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await read("build/Dockerfile")).toContain("FROM golang:1.26-alpine");
    const registration = JSON.parse(await read("registration/registration.json"));
    expect(registration).toMatchObject({
      project_id: projectId,
      op_id: createOpId,
      kind: "create",
      name: "shop-api",
      runtime: "go_1.26",
    });
    expect(parse(await read("registration/project.yaml"))).toEqual(SAMPLE_SPEC);
    expect(await read("repos/source/README.md")).toBe("# shop-api source\n\nRuntime: go_1.26\n");
    expect(await read("repos/manifests/README.md")).toBe(
      "# shop-api manifests\n\nTarget image: local/shop-api:latest\n",
    );
    expect(JSON.parse(await read("repos/source/.paas/webhook.json"))).toEqual({
      project_id: projectId,
      repo: "source",
      branch: "main",
      endpoint: `${sw.base}/api/webhooks/source`,
      hooks: ["post-commit", "post-merge"],
    });
    const boot = JSON.parse(await read("repos/bootstrap-local.json"));
    expect(boot.source_head).toBe(git(join(dir, "repos/source"), "rev-parse", "main"));
    expect(boot.webhook_event_repo).toBe("source");
    // Rendered dev: Service first, the build image and the dev vars.
    const rendered = await read("deploy/dev/rendered.yaml");
    const docs = rendered.split(/^---$/m).map((d) => parse(d));
    expect(docs.map((d) => d.kind)).toEqual(["Service", "Deployment"]);
    expect(docs[1].spec.template.spec.containers[0].image).toBe(image);
    expect(docs[1].spec.template.spec.containers[0].env).toEqual([
      { name: "LOG_FORMAT", value: "json" },
      { name: "LOG_LEVEL", value: "debug" },
    ]);
    expect(await read(`history/dev/${rel}/rendered.yaml`)).toBe(rendered);
    expect(await read("repos/manifests/overlays/dev/image.txt")).toBe(`${image}\n`);
    expect(await read("repos/manifests/overlays/prod/image.txt")).toBe("local/shop-api:latest\n");
    // Modes: files 0600, dirs 0750.
    expect((await stat(join(dir, "build/image.txt"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "build"))).mode & 0o777).toBe(0o750);
  });

  it("commits the kustomize tree to the manifests repo and installs executable hooks in the source repo", async () => {
    const dir = join(dirs.artifactsRoot, projectId);
    const manifests = join(dir, "repos/manifests");
    expect(git(manifests, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    const subjects = git(manifests, "log", "--format=%s").split("\n");
    expect(subjects).toEqual([
      `platform-sync: deploy dev manifests (${createOpId.slice(0, 12)})`,
      `platform-sync: bootstrap manifests repo (${createOpId.slice(0, 12)})`,
    ]);
    expect(git(manifests, "log", "-1", "--format=%an <%ae>")).toBe("Local PaaS Bot <paas-local@example.invalid>");
    const tree = git(manifests, "ls-tree", "-r", "--name-only", "HEAD").split("\n");
    expect(tree).toEqual(
      expect.arrayContaining(["kustomization.yaml", "base/deployment.yaml", "overlays/staging/kustomization.yaml"]),
    );
    expect(git(manifests, "status", "--porcelain")).toBe("");
    const source = join(dir, "repos/source");
    for (const hook of ["post-commit", "post-merge"]) {
      const st = await stat(join(source, ".git/hooks", hook));
      expect(st.mode & 0o777).toBe(0o700);
      expect(await readFile(join(source, ".git/hooks", hook), "utf8")).toContain(`${sw.base}/api/webhooks/source`);
    }
    expect((await stat(join(source, ".git/paas-webhook-secret"))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(source, ".git/paas-webhook-secret"), "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
    const { text } = await call(sw.base, "GET", `/api/projects/${projectId}`);
    expect(text).not.toContain((await readFile(join(source, ".git/paas-webhook-secret"), "utf8")).trim());
  });

  it("lists the project and its op history", async () => {
    const list = await call(sw.base, "GET", "/api/projects");
    expect(list.body.map((p: any) => p.id)).toContain(projectId);
    const h = await call(sw.base, "GET", `/api/projects/${projectId}/ops?limit=5`);
    expect(h.status).toBe(200);
    expect(h.body.items[0]).toMatchObject({
      id: createOpId,
      kind: "create",
      status: "done",
      summary_message: "deployed kustomize manifests for dev environment",
      last_event_sequence: 17,
    });
    expect((await call(sw.base, "GET", `/api/projects/${projectId}/ops?limit=0`)).body.error.code).toBe("BAD_LIMIT");
    expect((await call(sw.base, "GET", `/api/projects/${projectId}/ops?limit=x`)).status).toBe(400);
  });

  it("update replaces the spec at once, re-renders, and is refused with 409 while active", async () => {
    const spec = { ...SAMPLE_SPEC, environments: { dev: { vars: { LOG_LEVEL: "trace" } }, qa: {} } };
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: "update",
      project_id: projectId,
      spec,
    });
    expect(r.status).toBe(202);
    expect(r.body.project.spec.environments).toEqual({ dev: { vars: { LOG_LEVEL: "trace" } }, qa: { vars: {} } });
    const conflict = await call(sw.base, "DELETE", `/api/projects/${projectId}`);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      accepted: false,
      project_id: projectId,
      requested_kind: "delete",
      active_op: { id: r.body.op.id, kind: "update" },
      next_step: "wait for the active operation to reach done or error, then retry",
      error: { code: "CONFLICT_ACTIVE_OPERATION" },
    });
    expect(conflict.body.reason).toMatch(
      /^project already has an active operation \(update [0-9a-f]{32}, status (queued|running)\); wait for it to finish and retry$/,
    );
    expect(conflict.body.error.message).toBe(conflict.body.reason);
    const op = await waitForOp(sw.base, r.body.op.id);
    expect(op.status).toBe("done");
    const dir = join(dirs.artifactsRoot, projectId, "repos/manifests");
    expect(git(dir, "ls-tree", "--name-only", "HEAD", "overlays/").split("\n").sort()).toEqual([
      "overlays/dev",
      "overlays/qa",
    ]);
    const env = parse(
      (await readFile(join(dirs.artifactsRoot, projectId, "deploy/dev/rendered.yaml"), "utf8")).split(/^---$/m)[1],
    );
    expect(env.spec.template.spec.containers[0].env).toEqual([{ name: "LOG_LEVEL", value: "trace" }]);
    // The update rewrote nothing in the source repo, so it made no new commits there.
    const sourceCommits = git(join(dirs.artifactsRoot, projectId, "repos/source"), "rev-list", "--count", "HEAD");
    expect(Number(sourceCommits)).toBe(2);
  });

  it("delete removes the project dir and record, keeps the op readable, and leaves an audit note", async () => {
    const r = await call(sw.base, "DELETE", `/api/projects/${projectId}/`);
    expect(r.status).toBe(202);
    {
      expect(r.body).toMatchObject({ accepted: true, deleted: false, project_id: projectId });
      expect(r.body.op.kind).toBe("delete");
      const op = await waitForOp(sw.base, r.body.op.id);
      expect(op.status).toBe("done");
      expect(op.steps.map((s: any) => s.artifacts ?? [])).toEqual([
        ["registration/deregister.txt"],
        ["repos/teardown-plan.txt"],
        ["build/image-prune.txt"],
        [],
      ]);
      expect(op.steps[3].message).toBe("project deleted and artifacts cleaned");
      expect((await call(sw.base, "GET", `/api/ops/${r.body.op.id}`)).status).toBe(200);
    }
    expect((await call(sw.base, "GET", `/api/projects/${projectId}`)).status).toBe(404);
    expect((await call(sw.base, "GET", `/api/projects/${projectId}/artifacts`)).body).toEqual({ files: [] });
    await expect(stat(join(dirs.artifactsRoot, projectId))).rejects.toThrow();
    expect(await readFile(join(dirs.artifactsRoot, "_audit", `${projectId}.deleted.txt`), "utf8")).toMatch(
      new RegExp(`^project=${projectId} deleted at \\S+ op=[0-9a-f]{32}\\n$`),
    );
    expect((await call(sw.base, "GET", `/api/ops/${createOpId}`)).body.status).toBe("done");
  });
});

describe("validation and request errors", () => {
  it("answers the SPEC §0.3 error shape", async () => {
    const r = await call(sw.base, "POST", "/api/events/registration", "{not json", { "X-Request-Id": "my-req.1" });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: "INVALID_JSON", message: "invalid json" }, request_id: "my-req.1" });
    expect(r.headers.get("x-request-id")).toBe("my-req.1");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const bad = await call(sw.base, "POST", "/api/events/registration", "[]", { "X-Request-Id": "bad id with spaces" });
    expect(bad.body.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    [{ action: "explode" }, 400, "INVALID_ACTION", "action must be create, update, or delete"],
    [{ action: "update", spec: SAMPLE_SPEC }, 400, "PROJECT_ID_REQUIRED", "project_id required"],
    [{ action: "delete", project_id: "  " }, 400, "PROJECT_ID_REQUIRED", "project_id required"],
    [
      { action: "create", project_id: "Bad_Id", spec: SAMPLE_SPEC },
      400,
      "INVALID_PROJECT_ID",
      "project_id must match ^[a-z0-9][a-z0-9-]{0,62}$",
    ],
    [{ action: "create", spec: { ...SAMPLE_SPEC, name: 5 } }, 400, "INVALID_JSON", "invalid json"],
    [
      { action: "create", spec: { ...SAMPLE_SPEC, name: "Not Valid!" } },
      400,
      "VALIDATION_FAILED",
      "name must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    ],
    [{ action: "update", project_id: "nope", spec: SAMPLE_SPEC }, 404, "NOT_FOUND", "not found"],
    [{ action: "delete", project_id: "nope" }, 404, "NOT_FOUND", "not found"],
  ])("%j → %i %s", async (body, status, code, message) => {
    const r = await call(sw.base, "POST", "/api/events/registration", body);
    expect(r.status).toBe(status);
    expect(r.body.error).toMatchObject({ code, message });
  });

  it("lists every validation failure in details.errors", async () => {
    const spec = { ...SAMPLE_SPEC, kind: "Job", environments: { dev: { vars: { bad_name: "x" } } }, extra: 1 };
    const r = await call(sw.base, "POST", "/api/projects", spec);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_FAILED");
    expect(r.body.error.message).toBe('unknown field "extra"');
    expect(r.body.error.details.errors).toEqual([
      { path: "/extra", message: 'unknown field "extra"' },
      { path: "/kind", message: 'kind must be "App"' },
      { path: "/environments/dev/vars/bad_name", message: 'invalid environment variable name "bad_name" in "dev"' },
    ]);
  });

  it("refuses a duplicate project id and leaves the first untouched", async () => {
    const first = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "twice",
      spec: SAMPLE_SPEC,
    });
    expect(first.status).toBe(202);
    const second = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "twice",
      spec: SAMPLE_SPEC,
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual({ code: "PROJECT_EXISTS", message: 'project "twice" already exists' });
    expect((await waitForOp(sw.base, first.body.op.id)).status).toBe("done");
  });

  it("gives exactly one 202 among concurrent updates of one project", async () => {
    const created = await call(sw.base, "POST", "/api/projects", SAMPLE_SPEC);
    expect(created.status).toBe(202);
    expect(created.body.project.id).toMatch(/^[0-9a-f]{32}$/);
    await waitForOp(sw.base, created.body.op.id);
    const id = created.body.project.id;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => call(sw.base, "PUT", `/api/projects/${id}`, SAMPLE_SPEC)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const winner = results.find((r) => r.status === 202)!;
    const history = await call(sw.base, "GET", `/api/projects/${id}/ops?limit=100`);
    expect(history.body.items.map((i: any) => i.id)).toEqual([winner.body.op.id, created.body.op.id]);
    await waitForOp(sw.base, winner.body.op.id);
  });
});
