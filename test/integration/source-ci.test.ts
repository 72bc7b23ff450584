import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { appendFile, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { git } from "../support/git.js";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

/** Commit a change on the current branch with the git CLI; the hook has run once this returns. */
async function commit(repo: string, message: string): Promise<string> {
  await appendFile(join(repo, "README.md"), `${message}\n`);
  git(repo, "add", "README.md");
  git(repo, "commit", "-q", "-m", message);
  return git(repo, "rev-parse", "HEAD");
}

async function hookLog(repo: string): Promise<string[]> {
  return (await readFile(join(repo, ".git/paas-hook.log"), "utf8").catch(() => "")).trim().split("\n").filter(Boolean);
}

async function register(sw: SlipwayProcess, id: string): Promise<string> {
  const r = await call(sw.base, "POST", "/api/events/registration", {
    action: "create",
    project_id: id,
    spec: SAMPLE_SPEC,
  });
  expect(r.status).toBe(202);
  expect((await waitForOp(sw.base, r.body.op.id)).status).toBe("done");
  return join(sw.artifactsRoot, id, "repos/source");
}

async function lastOp(sw: SlipwayProcess, id: string): Promise<{ id: string; kind: string }> {
  const p = (await call(sw.base, "GET", `/api/projects/${id}`)).body;
  return { id: p.status.last_op_id, kind: p.status.last_op_kind };
}

describe("git hooks and the source webhook", () => {
  let dirs: Dirs;
  let sw: SlipwayProcess;
  let repo: string;
  let secret: string;
  beforeAll(async () => {
    dirs = await makeDirs();
    // A short step delay keeps ops active long enough for the 409 check to be deterministic.
    sw = await startSlipway(dirs, { PAAS_STEP_DELAY: "200ms" });
    repo = await register(sw, "hooked");
    secret = (await readFile(join(repo, ".git/paas-webhook-secret"), "utf8")).trim();
  });
  afterAll(async () => {
    await sw?.stop();
    await dirs?.cleanup();
  });

  const post = (body: object, headers: Record<string, string> = {}) => {
    const raw = JSON.stringify(body);
    return call(sw.base, "POST", "/api/webhooks/source", raw, headers);
  };
  const signed = (body: object, extra: Record<string, string> = {}) => {
    const raw = JSON.stringify(body);
    const sig = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
    return call(sw.base, "POST", "/api/webhooks/source", raw, { "X-Paas-Signature-256": sig, ...extra });
  };

  it("a commit on main fires the signed post-commit hook and runs a ci op to done", async () => {
    const sha = await commit(repo, "feat: first change");
    const log = await hookLog(repo);
    expect(log[log.length - 1]).toMatch(new RegExp(`^\\S+ post-commit commit=${sha} delivery=\\S+ status=202$`));
    const op = await lastOp(sw, "hooked");
    expect(op.kind).toBe("ci");
    const done = await waitForOp(sw.base, op.id);
    expect(done.status).toBe("done");
    expect(done.steps.map((s: { worker: string }) => s.worker)).toEqual(["imageBuilder", "manifestRenderer"]);
    const publish = JSON.parse(
      await readFile(join(sw.artifactsRoot, "hooked/build/publish-local-daemon.json"), "utf8"),
    );
    expect(publish.source_commit).toBe(sha);
    expect(await readFile(join(sw.artifactsRoot, "hooked/build/image.txt"), "utf8")).toBe(
      `local/shop-api:${op.id.slice(0, 12)}\n`,
    );
    const project = (await call(sw.base, "GET", "/api/projects/hooked")).body;
    expect(project.status).toMatchObject({ phase: "Ready", message: "ready", last_op_kind: "ci" });
    // The same commit again (another delivery) is deduped.
    const again = await signed({ project_id: "hooked", repo: "source", branch: "main", commit: sha });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({
      accepted: false,
      reason: "ignored: commit already processed",
      trigger: "source.main.webhook",
      project: "hooked",
      op: null,
      commit: sha,
    });
  });

  it("ignores commits on other branches and platform-sync commits", async () => {
    const before = await lastOp(sw, "hooked");
    const logBefore = (await hookLog(repo)).length;
    git(repo, "checkout", "-q", "-b", "feature");
    await commit(repo, "wip on a branch");
    git(repo, "checkout", "-q", "main");
    await commit(repo, "platform-sync: pretend platform change");
    expect((await hookLog(repo)).length).toBe(logBefore); // the hook exits before posting
    expect(await lastOp(sw, "hooked")).toEqual(before);
  });

  it("refuses forged signatures and dedupes delivery ids", async () => {
    const forged = await post(
      { project_id: "hooked", branch: "main", commit: "abc" },
      { "X-Paas-Signature-256": `sha256=${"0".repeat(64)}` },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.error).toEqual({ code: "INVALID_SIGNATURE", message: "invalid webhook signature" });
    const first = await signed(
      { project_id: "hooked", ref: "refs/heads/main", commit: "manual-1" },
      { "X-Paas-Delivery": "d-1" },
    );
    expect(first.status).toBe(202);
    expect(first.body.accepted).toBe(true);
    expect(first.body.op.kind).toBe("ci");
    await waitForOp(sw.base, first.body.op.id);
    const replay = await signed(
      { project_id: "hooked", ref: "refs/heads/main", commit: "manual-2" },
      { "X-Paas-Delivery": "d-1" },
    );
    expect(replay.body).toMatchObject({ accepted: false, reason: "ignored: delivery already processed", op: null });
  });

  it("answers a burst of one delivery id once: the others wait for it and are replays", async () => {
    const body = { project_id: "hooked", ref: "refs/heads/main", commit: "race-commit" };
    const burst = await Promise.all(Array.from({ length: 8 }, () => signed(body, { "X-Paas-Delivery": "d-race" })));
    expect(burst.map((r) => r.status)).toEqual(Array(8).fill(202));
    const accepted = burst.filter((r) => r.body.accepted === true);
    expect(accepted).toHaveLength(1);
    // Not "commit already processed": each waited for the first one's outcome, which recorded the id.
    for (const r of burst)
      if (r !== accepted[0]) expect(r.body).toMatchObject({ reason: "ignored: delivery already processed", op: null });
    await waitForOp(sw.base, accepted[0].body.op.id);
    // A delivery answered with an error is not recorded: the same id is processed again afterwards.
    const ghost = { project_id: "ghost-project", branch: "main", commit: "x" };
    const failing = await Promise.all(Array.from({ length: 4 }, () => post(ghost, { "X-Paas-Delivery": "d-404" })));
    expect(failing.map((r) => r.status)).toEqual([404, 404, 404, 404]);
    const filtered = await post({ ...ghost, repo: "manifests" }, { "X-Paas-Delivery": "d-404" });
    expect(filtered.body.reason).toBe("ignored: only source repo webhooks trigger ci");
    const replay = await post({ ...ghost, repo: "manifests" }, { "X-Paas-Delivery": "d-404" });
    expect(replay.body.reason).toBe("ignored: delivery already processed");
  });

  it("applies the repo and branch filters before looking up the project", async () => {
    expect((await post({ project_id: "ghost", repo: "manifests", branch: "main" })).body.reason).toBe(
      "ignored: only source repo webhooks trigger ci",
    );
    expect((await post({ project_id: "ghost", repo: "source", branch: "develop" })).body.reason).toBe(
      "ignored: only main branch triggers CI",
    );
    expect((await post({ project_id: "ghost" })).body.reason).toBe("ignored: only main branch triggers CI");
    for (const b of ["Main", "heads/main", " refs/heads/main "]) {
      const r = await post({ project_id: "ghost", branch: b });
      expect(r.status).toBe(404);
      expect(r.body.error).toEqual({ code: "NOT_FOUND", message: "project not found" });
    }
    expect((await post({ repo: "source" })).body.error.code).toBe("PROJECT_ID_REQUIRED");
    expect((await call(sw.base, "POST", "/api/webhooks/source", "nope")).body.error.code).toBe("INVALID_JSON");
    expect((await call(sw.base, "GET", "/api/webhooks/source")).status).toBe(405);
  });

  it("answers 409 while an op is active and lets the same commit through afterwards", async () => {
    const upd = await call(sw.base, "PUT", "/api/projects/hooked", SAMPLE_SPEC);
    expect(upd.status).toBe(202);
    // The update op is queued or running right now: the webhook conflicts and releases its commit claim.
    const conflict = await post({ project_id: "hooked", branch: "main", commit: "after-update" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.requested_kind).toBe("ci");
    expect(conflict.body.error.code).toBe("CONFLICT_ACTIVE_OPERATION");
    await waitForOp(sw.base, upd.body.op.id);
    const retry = await post({ project_id: "hooked", branch: "main", commit: "after-update" });
    expect(retry.status).toBe(202);
    expect(retry.body.accepted).toBe(true);
    await waitForOp(sw.base, retry.body.op.id);
  });
});

describe("commit watcher together with hooks", () => {
  let dirs: Dirs;
  let sw: SlipwayProcess;
  beforeAll(async () => {
    dirs = await makeDirs();
    sw = await startSlipway(dirs, { PAAS_ENABLE_COMMIT_WATCHER: "true", PAAS_LOG_LEVEL: "debug" });
  });
  afterAll(async () => {
    await sw?.stop();
    await dirs?.cleanup();
  });

  it("logs that the watcher is on", () => {
    expect(sw.logs()).toContain("Source commit watcher: enabled");
  });

  it("yields exactly one ci op for a commit seen by both the hook and the watcher", async () => {
    const repo = await register(sw, "both");
    const sha = await commit(repo, "feat: seen twice");
    const op = await lastOp(sw, "both");
    expect(op.kind).toBe("ci");
    await waitForOp(sw.base, op.id);
    // The watcher sees the same sha and finds it already processed.
    await sw.waitForLog(new RegExp(`"commit":"${sha}","msg":"commit watcher: commit already processed"`));
    const history = (await call(sw.base, "GET", "/api/projects/both/ops")).body.items;
    expect(history.filter((i: { kind: string }) => i.kind === "ci")).toHaveLength(1);
  });

  it("starts ci on its own when the hooks are gone", async () => {
    const repo = await register(sw, "watched");
    await rm(join(repo, ".git/hooks/post-commit"));
    const sha = await commit(repo, "feat: only the watcher sees this");
    await sw.waitForLog(
      new RegExp(`"project_id":"watched","commit":"${sha}","op_id":"([0-9a-f]{32})","msg":"commit watcher started ci"`),
    );
    const op = await lastOp(sw, "watched");
    expect(op.kind).toBe("ci");
    expect((await waitForOp(sw.base, op.id)).status).toBe("done");
  });
});
