import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { access, constants, mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProjectSpec } from "../shared/spec-types.js";
import { StepError, type OpKind, type StepContext } from "../types.js";
import { renderHookScript, repoBootstrap } from "./index.js";

const run = promisify(execFile);
// Hermetic git CLI: no user/system config leaks in. Hooks still run (they live in .git/hooks).
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

/** Run the git CLI as a user would (hooks included) and return trimmed stdout. */
async function gitCli(dir: string, ...args: string[]): Promise<string> {
  const identity = ["-c", "user.name=t", "-c", "user.email=t@x"];
  const { stdout } = await run("git", [...identity, ...args], { cwd: dir, env: gitEnv });
  return stdout.trim();
}

/** A user commit of one file, hooks disabled (for setting up state without webhook traffic). */
async function quietCommit(dir: string, file: string, content: string, subject: string): Promise<void> {
  await writeFile(join(dir, file), content);
  await gitCli(dir, "add", file);
  await gitCli(dir, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", subject);
}

const SECRET = "0123456789abcdef".repeat(4);
const PROJECT_ID = "demo-project";
const OP1 = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";
const OP2 = "ffeeddccbbaa99887766554433221100";
const SPEC: ProjectSpec = {
  apiVersion: "platform.example.com/v2",
  kind: "App",
  name: "demo",
  runtime: "go_1.26",
  environments: { dev: { vars: {} } },
  networkPolicies: { ingress: "internal", egress: "internal" },
};

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1:<random> that records every request and answers 202. */
class WebhookServer {
  readonly requests: Recorded[] = [];
  private waiters: Array<(r: Recorded) => void> = [];
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const rec = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      this.requests.push(rec);
      for (const w of this.waiters.splice(0)) w(rec);
      res.writeHead(202, { "Content-Type": "application/json" }).end('{"accepted":true}\n');
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the next request the server receives. */
  nextRequest(): Promise<Recorded> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let root: string;
let projectDir: string;
let server: WebhookServer;
let baseUrl: string;
let warnings: string[];

interface CtxOverrides {
  opId?: string;
  opKind?: OpKind;
  spec?: ProjectSpec;
  baseUrl?: string;
}

/** A hand-built StepContext: fixed secret, releases that must not be used, warnings captured. */
function makeCtx(overrides: CtxOverrides = {}): StepContext {
  const fail = (): never => {
    throw new Error("repoBootstrap must not touch releases");
  };
  const noop = () => {};
  return {
    projectId: PROJECT_ID,
    spec: overrides.spec ?? SPEC,
    opId: overrides.opId ?? OP1,
    opKind: overrides.opKind ?? "create",
    input: {},
    worker: "repoBootstrap",
    attempt: 1,
    projectDir,
    settings: {
      artifactsRoot: root,
      localApiBaseUrl: overrides.baseUrl ?? baseUrl,
      builder: { requested: "artifact", effective: "artifact", explicit: true },
      buildBaseImage: "alpine:3",
      buildTimeoutMs: 120_000,
    },
    releases: { get: fail, current: fail, findForOp: fail, write: fail },
    secrets: { getOrCreateWebhookSecret: async () => SECRET },
    buildContexts: {
      serve() {
        throw new Error("repoBootstrap serves no build context");
      },
    },
    log: { debug: noop, info: noop, error: noop, warn: (_obj, msg) => warnings.push(msg ?? "") },
    signal: new AbortController().signal,
    emit: async () => {},
  };
}

const sourceDir = () => join(projectDir, "repos", "source");
const manifestsDir = () => join(projectDir, "repos", "manifests");
const read = (rel: string) => readFile(join(projectDir, rel), "utf8");
const mode = async (rel: string) => (await stat(join(projectDir, rel))).mode & 0o777;
const subjects = async (dir: string) => (await gitCli(dir, "log", "--format=%an <%ae>|%s")).split("\n");

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "slipway-bootstrap-"));
  projectDir = join(root, PROJECT_ID);
  warnings = [];
  server = new WebhookServer();
  baseUrl = await server.start();
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe("repoBootstrap create/update", () => {
  it("has the spec's name and start message", () => {
    expect(repoBootstrap.name).toBe("repoBootstrap");
    expect(repoBootstrap.startMessage(makeCtx())).toBe("bootstrap source and manifests repos");
  });

  it("bootstraps both repos with the exact files, hooks, secret and commits", async () => {
    const res = await repoBootstrap.run(makeCtx());
    expect(res.message).toBe("bootstrapped local source/manifests git repos and installed source webhook");
    expect([...res.artifacts].sort()).toEqual([
      "repos/bootstrap-local.json",
      "repos/manifests/.paas/repo.json",
      "repos/manifests/README.md",
      "repos/source/.paas/repo.json",
      "repos/source/.paas/webhook.json",
      "repos/source/README.md",
      "repos/source/go.mod",
      "repos/source/main.go",
    ]);

    const endpoint = `${baseUrl}/api/webhooks/source`;
    expect(await read("repos/source/README.md")).toBe("# demo source\n\nRuntime: go_1.26\n");
    expect(await read("repos/source/go.mod")).toBe("module demo\n\ngo 1.26\n");
    expect(await read("repos/source/main.go")).toContain('"hello from demo"');
    expect(await read("repos/source/.paas/repo.json")).toBe(
      `{\n  "project_id": "demo-project",\n  "repo": "source",\n` +
        `  "path": ${JSON.stringify(sourceDir())},\n  "branch": "main"\n}\n`,
    );
    expect(JSON.parse(await read("repos/source/.paas/webhook.json"))).toEqual({
      project_id: PROJECT_ID,
      repo: "source",
      branch: "main",
      endpoint,
      hooks: ["post-commit", "post-merge"],
    });
    expect(await read("repos/manifests/README.md")).toBe("# demo manifests\n\nTarget image: local/demo:latest\n");
    expect(JSON.parse(await read("repos/manifests/.paas/repo.json"))).toEqual({
      project_id: PROJECT_ID,
      repo: "manifests",
      path: manifestsDir(),
      branch: "main",
    });
    const local = await read("repos/bootstrap-local.json");
    expect(local).toBe(
      `${JSON.stringify(
        {
          project_id: PROJECT_ID,
          source_repo_path: sourceDir(),
          source_branch: "main",
          source_head: await gitCli(sourceDir(), "rev-parse", "HEAD"),
          manifests_repo: manifestsDir(),
          manifests_branch: "main",
          manifests_head: await gitCli(manifestsDir(), "rev-parse", "HEAD"),
          webhook_endpoint: endpoint,
          webhook_event_repo: "source",
        },
        null,
        2,
      )}\n`,
    );

    for (const rel of res.artifacts) expect(await mode(rel), rel).toBe(0o600);
    for (const rel of ["repos", "repos/source", "repos/source/.paas", "repos/manifests"]) {
      expect(await mode(rel), rel).toBe(0o750);
    }
    expect(await read("repos/source/.git/paas-webhook-secret")).toBe(SECRET);
    expect(await mode("repos/source/.git/paas-webhook-secret")).toBe(0o600);
    const hook = await read("repos/source/.git/hooks/post-commit");
    expect(hook).toBe(renderHookScript({ projectId: PROJECT_ID, endpointBase: baseUrl }));
    expect(await read("repos/source/.git/hooks/post-merge")).toBe(hook);
    for (const name of ["post-commit", "post-merge"]) {
      expect(await mode(`repos/source/.git/hooks/${name}`)).toBe(0o700);
      await access(join(sourceDir(), ".git", "hooks", name), constants.X_OK);
    }

    const bot = "Local PaaS Bot <paas-local@example.invalid>";
    expect(await subjects(sourceDir())).toEqual([
      `${bot}|platform-sync: configure source webhook (a1b2c3d4e5f6)`,
      `${bot}|platform-sync: bootstrap source repo (a1b2c3d4e5f6)`,
    ]);
    expect(await subjects(manifestsDir())).toEqual([`${bot}|platform-sync: bootstrap manifests repo (a1b2c3d4e5f6)`]);
    expect((await gitCli(sourceDir(), "ls-files")).split("\n")).toEqual([
      ".paas/repo.json",
      ".paas/webhook.json",
      "README.md",
      "go.mod",
      "main.go",
    ]);
    expect(await gitCli(sourceDir(), "status", "--porcelain")).toBe("");
    expect(await gitCli(manifestsDir(), "status", "--porcelain")).toBe("");
    // Written without isomorphic-git (workers/git/commit.ts): the git CLI must find the repos complete and valid.
    for (const dir of [sourceDir(), manifestsDir()]) await gitCli(dir, "fsck", "--strict", "--full", "--no-dangling");
    expect(warnings).toEqual([]);
    expect(server.requests).toEqual([]); // platform commits never run hooks
  });

  // Design: a re-run reports no artifacts at all, because it created or changed no file.
  it("is a no-op when re-run (redelivery and a later update with the same inputs)", async () => {
    await repoBootstrap.run(makeCtx());
    const heads = () => Promise.all([sourceDir(), manifestsDir()].map((d) => gitCli(d, "rev-parse", "HEAD")));
    const before = await heads();
    const local = await read("repos/bootstrap-local.json");

    expect((await repoBootstrap.run(makeCtx())).artifacts).toEqual([]);
    expect((await repoBootstrap.run(makeCtx({ opId: OP2, opKind: "update" }))).artifacts).toEqual([]);

    expect(await heads()).toEqual(before);
    expect(await gitCli(sourceDir(), "rev-list", "--count", "HEAD")).toBe("2");
    expect(await read("repos/bootstrap-local.json")).toBe(local);
  });

  it("on update rewrites only changed platform files and leaves the user's files alone", async () => {
    await repoBootstrap.run(makeCtx());
    await quietCommit(sourceDir(), "main.go", "package main\n", "feat: my own server");
    await writeFile(join(sourceDir(), "README.md"), "# my readme\n");
    await writeFile(join(sourceDir(), "notes.txt"), "untracked\n");

    const res = await repoBootstrap.run(makeCtx({ opId: OP2, opKind: "update", baseUrl: "http://127.0.0.1:1/" }));
    expect([...res.artifacts].sort()).toEqual(["repos/bootstrap-local.json", "repos/source/.paas/webhook.json"]);
    const webhook = JSON.parse(await read("repos/source/.paas/webhook.json"));
    expect(webhook.endpoint).toBe("http://127.0.0.1:1/api/webhooks/source");
    expect(await read("repos/source/.git/hooks/post-commit")).toContain("'http://127.0.0.1:1/api/webhooks/source'");
    expect((await subjects(sourceDir()))[0]).toBe(
      "Local PaaS Bot <paas-local@example.invalid>|platform-sync: configure source webhook (ffeeddccbbaa)",
    );
    expect(await gitCli(sourceDir(), "show", "HEAD:main.go")).toBe("package main");
    expect(await read("repos/source/README.md")).toBe("# my readme\n");
    expect(await gitCli(sourceDir(), "status", "--porcelain")).toBe("M README.md\n?? notes.txt");
  });

  it("commits starter files a cut-off run wrote but did not commit", async () => {
    await mkdir(sourceDir(), { recursive: true });
    await writeFile(join(sourceDir(), "README.md"), "# demo source\n\nRuntime: go_1.26\n");
    const res = await repoBootstrap.run(makeCtx());
    expect(res.artifacts).not.toContain("repos/source/README.md");
    expect(await gitCli(sourceDir(), "ls-files", "README.md")).toBe("README.md");
  });

  it("skips source commits but still installs hooks when the source repo is not on main", async () => {
    await repoBootstrap.run(makeCtx());
    await gitCli(sourceDir(), "checkout", "-q", "-b", "feature");
    const heads = await gitCli(sourceDir(), "rev-parse", "main", "feature");
    await unlink(join(sourceDir(), ".git", "hooks", "post-commit"));

    const res = await repoBootstrap.run(makeCtx({ opId: OP2, opKind: "update", baseUrl: "http://127.0.0.1:1" }));
    expect(res.artifacts).toContain("repos/source/.paas/webhook.json");
    expect(await gitCli(sourceDir(), "rev-parse", "main", "feature")).toBe(heads);
    expect(await gitCli(sourceDir(), "status", "--porcelain")).toBe("M .paas/webhook.json");
    expect(await mode("repos/source/.git/hooks/post-commit")).toBe(0o700);
    expect(warnings).toEqual(["source repo is not on branch main; skipping platform commits"]);
  });

  it("fails when the manifests repo is not on main", async () => {
    await repoBootstrap.run(makeCtx());
    await gitCli(manifestsDir(), "checkout", "-q", "-b", "hotfix");
    const err = await repoBootstrap.run(makeCtx({ opId: OP2, opKind: "update" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ message: "manifests repo is not on branch main (HEAD=hotfix)", transient: false });
  });

  it("writes only the README for a runtime without starter files", async () => {
    const res = await repoBootstrap.run(makeCtx({ spec: { ...SPEC, name: "Odd App", runtime: "rust_1.80" } }));
    const sourceFiles = res.artifacts.filter((a) => a.startsWith("repos/source/") && !a.includes(".paas"));
    expect(sourceFiles).toEqual(["repos/source/README.md"]);
    expect(await read("repos/manifests/README.md")).toBe("# Odd App manifests\n\nTarget image: local/odd-app:latest\n");
  });
});

describe("repoBootstrap delete", () => {
  it("writes the teardown plan and nothing else", async () => {
    const res = await repoBootstrap.run(makeCtx({ opKind: "delete" }));
    expect(res).toEqual({ message: "repository teardown plan generated", artifacts: ["repos/teardown-plan.txt"] });
    const plan = "archive source repo\narchive manifests repo\nremove project workspace\n";
    expect(await read("repos/teardown-plan.txt")).toBe(plan);
    expect(await mode("repos/teardown-plan.txt")).toBe(0o600);
    await expect(stat(sourceDir())).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("installed source hook (real git, curl and openssl)", () => {
  const hookLog = () => read("repos/source/.git/paas-hook.log").catch(() => "");

  beforeEach(async () => {
    await repoBootstrap.run(makeCtx());
  });

  it("posts one signed webhook for a user commit on main and logs the delivery", async () => {
    const received = server.nextRequest();
    await writeFile(join(sourceDir(), "feature.txt"), "hello\n");
    await gitCli(sourceDir(), "add", "feature.txt");
    await gitCli(sourceDir(), "commit", "-q", "-m", "feat: add feature");
    const sha = await gitCli(sourceDir(), "rev-parse", "HEAD");

    const req = await received;
    expect(server.requests).toHaveLength(1);
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/api/webhooks/source");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({
      project_id: PROJECT_ID,
      repo: "source",
      branch: "main",
      ref: "refs/heads/main",
      commit: sha,
    });
    const delivery = req.headers["x-paas-delivery"];
    expect(delivery).toMatch(/^[A-Za-z0-9-]{1,64}$/);
    const expected = `sha256=${createHmac("sha256", SECRET).update(req.body).digest("hex")}`;
    expect(req.headers["x-paas-signature-256"]).toBe(expected);

    const lines = (await hookLog()).trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const utc = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";
    expect(lines[0]).toMatch(new RegExp(`^${utc} post-commit commit=${sha} delivery=${delivery} status=202$`));
    expect(await mode("repos/source/.git/paas-hook.log")).toBe(0o600);
  });

  it("posts for a merge into main from the post-merge hook", async () => {
    await gitCli(sourceDir(), "checkout", "-q", "-b", "topic");
    await quietCommit(sourceDir(), "topic.txt", "t\n", "feat: topic");
    const sha = await gitCli(sourceDir(), "rev-parse", "HEAD");
    await gitCli(sourceDir(), "checkout", "-q", "main");

    const received = server.nextRequest();
    await gitCli(sourceDir(), "merge", "-q", "--ff-only", "topic");
    expect(JSON.parse((await received).body).commit).toBe(sha);
    expect(server.requests).toHaveLength(1);
    expect(await hookLog()).toMatch(new RegExp(`post-merge commit=${sha} delivery=\\S+ status=202\\n$`));
  });

  it("posts nothing for a commit on another branch", async () => {
    await gitCli(sourceDir(), "checkout", "-q", "-b", "feature");
    await writeFile(join(sourceDir(), "f.txt"), "f\n");
    await gitCli(sourceDir(), "add", "f.txt");
    await gitCli(sourceDir(), "commit", "-q", "-m", "feat: on a branch");
    // The hook runs synchronously inside `git commit`, so it has finished by now.
    expect(server.requests).toEqual([]);
    expect(await hookLog()).toBe("");
  });

  it("posts nothing for a platform-sync commit", async () => {
    await writeFile(join(sourceDir(), "p.txt"), "p\n");
    await gitCli(sourceDir(), "add", "p.txt");
    await gitCli(sourceDir(), "commit", "-q", "-m", "platform-sync: manual sync");
    expect(server.requests).toEqual([]);
    expect(await hookLog()).toBe("");
  });

  it("posts unsigned when the secret file is missing", async () => {
    await unlink(join(sourceDir(), ".git", "paas-webhook-secret"));
    const received = server.nextRequest();
    await writeFile(join(sourceDir(), "u.txt"), "u\n");
    await gitCli(sourceDir(), "add", "u.txt");
    await gitCli(sourceDir(), "commit", "-q", "-m", "feat: unsigned");
    const req = await received;
    expect(req.headers["x-paas-signature-256"]).toBeUndefined();
    expect(req.headers["x-paas-delivery"]).toBeTruthy();
  });

  it("never blocks the commit when the API is down", async () => {
    await server.close();
    await writeFile(join(sourceDir(), "down.txt"), "d\n");
    await gitCli(sourceDir(), "add", "down.txt");
    await gitCli(sourceDir(), "commit", "-q", "-m", "feat: while down");
    const sha = await gitCli(sourceDir(), "rev-parse", "HEAD");
    expect(await gitCli(sourceDir(), "log", "-1", "--format=%s")).toBe("feat: while down");
    expect(await hookLog()).toMatch(new RegExp(`post-commit commit=${sha} delivery=\\S+ status=(000|error)\\n$`));
  });
});
