// The whole source-CI path against a real BuildKit: a commit with the git CLI, the hook, the webhook, a ci op,
// a Solve through the Docker engine's embedded BuildKit (docker-unix://), and the image in the engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { git } from "../support/git.js";
import { call, readSse, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { imageExists, startDockerd, type Dockerd } from "../support/dockerd.js";

// No registry is reachable: the generated Dockerfile's base is `scratch`, and commits bring their own FROM scratch.
const SPEC = { ...SAMPLE_SPEC, name: "bk-app", runtime: "static" };

let dockerd: Dockerd;
let dirs: Dirs;
let sw: SlipwayProcess;
let repo: string;

beforeAll(async () => {
  dockerd = await startDockerd();
  dirs = await makeDirs();
  sw = await startSlipway(dirs, {
    PAAS_IMAGE_BUILDER_MODE: "buildkit",
    PAAS_BUILDKIT_ADDR: dockerd.addr,
    PAAS_BUILD_BASE_IMAGE: "scratch",
    PAAS_BUILD_TIMEOUT: "90s",
  });
}, 120_000);

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
  await dockerd?.stop();
});

async function lastOpId(id: string): Promise<string> {
  return (await call(sw.base, "GET", `/api/projects/${id}`)).body.status.last_op_id;
}

describe("image builds through BuildKit", () => {
  it("reports buildkit as the effective builder", async () => {
    const sys = (await call(sw.base, "GET", "/api/system")).body;
    expect(sys).toMatchObject({
      builder_mode_requested: "buildkit",
      builder_mode_effective: "buildkit",
      buildkit_addr: dockerd.addr,
    });
    expect(sw.logs()).toContain("Image builder mode: requested=buildkit effective=buildkit explicit=true");
  });

  it("builds the registered app's generated Dockerfile and records the digest", async () => {
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "bk-app",
      spec: SPEC,
    });
    expect(r.status).toBe(202);
    const op = await waitForOp(sw.base, r.body.op.id);
    expect(op.status, JSON.stringify(op)).toBe("done");
    const image = (await readFile(join(sw.artifactsRoot, "bk-app/build/image.txt"), "utf8")).trim();
    expect(image).toMatch(new RegExp(`^local/bk-app:${r.body.op.id.slice(0, 12)}@sha256:[0-9a-f]{64}$`));
    repo = join(sw.artifactsRoot, "bk-app/repos/source");
  }, 120_000);

  it("a FROM scratch commit on main triggers ci, BuildKit builds it, and the image is in the engine", async () => {
    await writeFile(join(repo, "Dockerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
    await writeFile(join(repo, "hello.txt"), "hello from slipway\n");
    git(repo, "add", "Dockerfile", "hello.txt");
    git(repo, "commit", "-q", "-m", "feat: scratch image");
    const sha = git(repo, "rev-parse", "HEAD");
    const opId = await lastOpId("bk-app");
    const events = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "0" }, { ms: 120_000 });
    const op = (await call(sw.base, "GET", `/api/ops/${opId}`)).body;
    expect(op.kind).toBe("ci");
    expect(op.status, JSON.stringify(op)).toBe("done");

    const progress = events.frames.filter((f) => f.event === "step.progress");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((f) => f.data.worker === "imageBuilder")).toBe(true);
    expect(progress.some((f) => f.data.completed === true)).toBe(true);

    const dir = join(sw.artifactsRoot, "bk-app");
    const image = (await readFile(join(dir, "build/image.txt"), "utf8")).trim();
    const m = new RegExp(`^(local/bk-app:${opId.slice(0, 12)})@(sha256:[0-9a-f]{64})$`).exec(image)!;
    expect(m).not.toBeNull();
    const publish = JSON.parse(await readFile(join(dir, "build/publish-local-daemon.json"), "utf8"));
    expect(publish).toMatchObject({
      image,
      image_digest: m[2],
      source_commit: sha,
      builder_backend: "buildkit",
      buildkit_exporter: "moby",
      buildkit_addr: dockerd.addr,
    });
    const meta = JSON.parse(await readFile(join(dir, "build/buildkit-metadata.json"), "utf8"));
    expect(meta).toMatchObject({ status: "ok", dockerfile_source: "repo", image, builder_backend: "buildkit" });
    expect(await readFile(join(dir, "build/buildkit-summary.txt"), "utf8")).toMatch(
      new RegExp(`^status=ok image=${image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} duration_ms=\\d+\\n$`),
    );
    expect(await readFile(join(dir, "build/Dockerfile"), "utf8")).toBe("FROM scratch\nCOPY hello.txt /hello.txt\n");
    expect((await readFile(join(dir, "build/buildkit.log"), "utf8")).length).toBeGreaterThan(0);
    // The render carries the digest; the engine has the image.
    expect(await readFile(join(dir, "deploy/dev/deployment.yaml"), "utf8")).toContain(`image: ${image}`);
    expect(await imageExists(dockerd.socket, m[1])).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 150_000);

  it("a broken Dockerfile fails the ci op with the build error and keeps the build logs", async () => {
    await writeFile(join(repo, "Dockerfile"), "FROM scratch\nCOPY missing.txt /missing.txt\n");
    git(repo, "add", "Dockerfile");
    git(repo, "commit", "-q", "-m", "fix: break the build");
    const opId = await lastOpId("bk-app");
    const events = await readSse(`${sw.base}/api/ops/${opId}/events`, { "Last-Event-ID": "0" }, { ms: 120_000 });
    const op = (await call(sw.base, "GET", `/api/ops/${opId}`)).body;
    expect(op.status).toBe("error");
    expect(op.error).toMatch(/missing\.txt/);
    expect(op.steps[0].artifacts).toEqual([
      "build/Dockerfile",
      "build/buildkit-metadata.json",
      "build/buildkit-summary.txt",
      "build/buildkit.log",
    ]);
    const names = events.frames.filter((f) => f.id !== undefined).map((f) => f.event);
    expect(names.slice(-4)).toEqual(["op.status", "step.ended", "step.artifacts", "op.failed"]);
    const summary = await readFile(join(sw.artifactsRoot, "bk-app/build/buildkit-summary.txt"), "utf8");
    expect(summary).toMatch(/^status=failed error=.*missing\.txt/);
    expect((await call(sw.base, "GET", "/api/projects/bk-app")).body.status.phase).toBe("Error");
  }, 150_000);
});
