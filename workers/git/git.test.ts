import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TransientStepError } from "../types.js";
import { commitPaths, currentBranch, headSha, initRepo, withGitTimeout } from "./index.js";

const run = promisify(execFile);
// Hermetic git CLI: no user/system config (hooks paths, signing, default identities) leaks into the checks.
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

async function gitCli(dir: string, ...args: string[]): Promise<string> {
  const identity = ["-c", "user.name=t", "-c", "user.email=t@x"];
  const { stdout } = await run("git", [...identity, ...args], { cwd: dir, env: gitEnv });
  return stdout.trim();
}

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "slipway-git-")), "repo");
});
afterEach(async () => {
  await rm(join(dir, ".."), { recursive: true, force: true });
});

describe("initRepo", () => {
  it("creates the dir with mode 0750 on branch main and is idempotent", async () => {
    await initRepo(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
    expect(await currentBranch(dir)).toBe("main");
    expect(await headSha(dir)).toBe("");
    await writeFile(join(dir, "a.txt"), "a\n");
    const { head } = await commitPaths(dir, ["a.txt"], "first");

    await initRepo(dir);
    expect(await headSha(dir)).toBe(head);
    expect(await gitCli(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
  });
});

describe("currentBranch", () => {
  it("is null when HEAD is detached", async () => {
    await initRepo(dir);
    await writeFile(join(dir, "a.txt"), "a\n");
    await commitPaths(dir, ["a.txt"], "first");
    await gitCli(dir, "checkout", "-q", "--detach");
    expect(await currentBranch(dir)).toBeNull();
  });
});

describe("commitPaths", () => {
  beforeEach(async () => {
    await initRepo(dir);
  });

  it("stages only the named paths and commits as the platform bot", async () => {
    await mkdir(join(dir, "sub", "deep"), { recursive: true });
    await writeFile(join(dir, "a.txt"), "a\n");
    await writeFile(join(dir, "sub", "b.txt"), "b\n");
    await writeFile(join(dir, "sub", "deep", "c.txt"), "c\n");
    await writeFile(join(dir, "unrelated.txt"), "mine\n");

    const res = await commitPaths(dir, ["a.txt", "sub/"], "platform-sync: test (abc)");
    expect(res.committed).toBe(true);
    expect(res.head).toBe(await gitCli(dir, "rev-parse", "HEAD"));
    expect(await headSha(dir)).toBe(res.head);
    expect((await gitCli(dir, "ls-files")).split("\n")).toEqual(["a.txt", "sub/b.txt", "sub/deep/c.txt"]);
    expect(await gitCli(dir, "status", "--porcelain")).toBe("?? unrelated.txt");
    const bot = "Local PaaS Bot <paas-local@example.invalid>";
    const last = await gitCli(dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s");
    expect(last).toBe(`${bot}|${bot}|platform-sync: test (abc)`);
    // The hand-built trees must be valid git objects.
    await gitCli(dir, "fsck", "--strict", "--no-dangling");
  });

  it("makes no commit when the named paths are unchanged", async () => {
    await writeFile(join(dir, "a.txt"), "a\n");
    const first = await commitPaths(dir, ["a.txt"], "first");
    await writeFile(join(dir, "a.txt"), "a\n");
    await writeFile(join(dir, "other.txt"), "changed elsewhere\n");
    const second = await commitPaths(dir, ["a.txt"], "second");
    expect(second).toEqual({ committed: false, head: first.head });
    expect(await gitCli(dir, "rev-list", "--count", "HEAD")).toBe("1");
  });

  it("stages deletions of tracked files under a named directory", async () => {
    await mkdir(join(dir, "sub"), { recursive: true });
    await writeFile(join(dir, "sub", "keep.txt"), "k\n");
    await writeFile(join(dir, "sub", "gone.txt"), "g\n");
    await writeFile(join(dir, "outside.txt"), "o\n");
    await commitPaths(dir, ["sub", "outside.txt"], "first");

    await unlink(join(dir, "sub", "gone.txt"));
    await unlink(join(dir, "outside.txt"));
    const res = await commitPaths(dir, ["sub"], "second");
    expect(res.committed).toBe(true);
    expect((await gitCli(dir, "ls-tree", "-r", "--name-only", "HEAD")).split("\n")).toEqual([
      "outside.txt",
      "sub/keep.txt",
    ]);
    // outside.txt was not named, so its deletion stays an unstaged change.
    expect(await gitCli(dir, "status", "--porcelain")).toBe("D outside.txt");
  });

  it("leaves changes the user staged elsewhere out of the commit, still staged", async () => {
    await writeFile(join(dir, "a.txt"), "a\n");
    await commitPaths(dir, ["a.txt"], "first");
    await writeFile(join(dir, "user.txt"), "work in progress\n");
    await gitCli(dir, "add", "user.txt");
    await writeFile(join(dir, "a.txt"), "a2\n");

    const res = await commitPaths(dir, ["a.txt"], "second");
    expect(res.committed).toBe(true);
    expect(await gitCli(dir, "ls-tree", "-r", "--name-only", "HEAD")).toBe("a.txt");
    expect(await gitCli(dir, "show", "HEAD:a.txt")).toBe("a2");
    expect(await gitCli(dir, "status", "--porcelain")).toBe("A  user.txt");
  });

  it("commits on top of commits made with the git CLI and keeps executable modes", async () => {
    await writeFile(join(dir, "cli.txt"), "cli\n");
    await gitCli(dir, "add", "cli.txt");
    await gitCli(dir, "commit", "-q", "-m", "user commit");
    const userHead = await gitCli(dir, "rev-parse", "HEAD");
    await writeFile(join(dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });

    const res = await commitPaths(dir, ["run.sh"], "platform");
    expect(await gitCli(dir, "rev-parse", "HEAD~1")).toBe(userHead);
    expect(await gitCli(dir, "ls-tree", "HEAD", "run.sh")).toMatch(/^100755 blob /);
    expect(await gitCli(dir, "ls-tree", "-r", "--name-only", res.head)).toBe("cli.txt\nrun.sh");
  });
});

describe("withGitTimeout", () => {
  it("turns an expired operation into a transient step error", async () => {
    const never = () => new Promise<never>(() => {});
    await expect(withGitTimeout("commitPaths", never, 20)).rejects.toThrow(
      new TransientStepError("git operation timed out after 20ms: commitPaths"),
    );
    await expect(withGitTimeout("x", never, 20)).rejects.toBeInstanceOf(TransientStepError);
  });

  it("bounds operations by 20 s by default", async () => {
    vi.useFakeTimers();
    try {
      const pending = withGitTimeout("headSha", () => new Promise<never>(() => {}));
      const check = expect(pending).rejects.toThrow("git operation timed out after 20s: headSha");
      await vi.advanceTimersByTimeAsync(20_000);
      await check;
    } finally {
      vi.useRealTimers();
    }
  });

  it("wraps other failures in a permanent step error", async () => {
    const pending = withGitTimeout("headSha", () => Promise.reject(new Error("boom")));
    await expect(pending).rejects.toThrow("git headSha failed: boom");
    await expect(pending).rejects.toMatchObject({ name: "StepError", transient: false });
  });
});
