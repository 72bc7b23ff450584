import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, writeFile } from "node:fs/promises";
import nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import git from "isomorphic-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitSteps, UnsupportedRepo, type CommitStep } from "./commit.js";
import { commitPaths, commitSequence, headSha, initRepo, initRepoWithIsomorphicGit } from "./git.js";
import { isoCommitPaths } from "./iso.js";
import { PLATFORM_AUTHOR } from "./types.js";

// The direct git code (commit.ts, objects.ts, index-file.ts, refs.ts) against two references: the git CLI, which must
// read everything it writes (fsck, status, ls-files), and the isomorphic-git implementation it replaces (iso.ts),
// which must produce the same trees and index for the same steps.

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

async function gitCli(dir: string, ...args: string[]): Promise<string> {
  const identity = ["-c", "user.name=t", "-c", "user.email=t@x"];
  const { stdout } = await run("git", [...identity, ...args], { cwd: dir, env: gitEnv });
  return stdout.trim();
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "slipway-gitdirect-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(dir: string, rel: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(join(dir, rel, ".."), { recursive: true });
  await writeFile(join(dir, rel), content, { mode });
  await chmod(join(dir, rel), mode);
}

const fast = (dir: string, paths: string[], subject: string, pack = false) =>
  commitSteps(dir, [{ paths, subject }], PLATFORM_AUTHOR, { pack });

async function listTree(dir: string, base = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(join(dir, base), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const rel = base ? `${base}/${e.name}` : e.name;
    out.push(e.isDirectory() ? `${rel}/` : rel);
    if (e.isDirectory()) out.push(...(await listTree(dir, rel)));
  }
  return out;
}

describe("initRepo", () => {
  it("lays out .git exactly as isomorphic-git's init (dirs, modes, config, HEAD)", async () => {
    const a = join(root, "a");
    const b = join(root, "b");
    await initRepo(a);
    await mkdir(b, { recursive: true });
    await initRepoWithIsomorphicGit(b);
    expect(await listTree(join(a, ".git"))).toEqual(await listTree(join(b, ".git")));
    for (const rel of await listTree(join(a, ".git"))) {
      const [sa, sb] = await Promise.all([stat(join(a, ".git", rel)), stat(join(b, ".git", rel))]);
      expect(sa.mode, rel).toBe(sb.mode);
      if (!rel.endsWith("/"))
        expect(await readFile(join(a, ".git", rel), "utf8")).toBe(await readFile(join(b, ".git", rel), "utf8"));
    }
    expect(await gitCli(a, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
  });
});

describe("commits the git CLI reads", () => {
  it("with packing allowed, writes a new repo's first commits as one pack git and isomorphic-git read; clean index", async () => {
    const dir = join(root, "repo");
    await initRepo(dir);
    for (let i = 0; i < 6; i++) await put(dir, `sub/f${i}.txt`, `file ${i}\n`);
    await put(dir, "run.sh", "#!/bin/sh\necho hi\n", 0o755);
    await symlink("sub/f0.txt", join(dir, "link"));
    await put(dir, "README.md", "# readme\n");
    await put(dir, ".paas/repo.json", "{}\n");

    const res = await commitSequence(
      dir,
      [
        { paths: ["README.md", "run.sh", "link", "sub"], subject: "platform-sync: first (abc)" },
        { paths: [".paas/repo.json"], subject: "platform-sync: second (abc)" },
      ],
      { pack: true },
    );
    expect(res.committed).toBe(true);
    expect(res.head).toBe(await gitCli(dir, "rev-parse", "HEAD"));
    expect((await gitCli(dir, "log", "--format=%an <%ae>|%cn <%ce>|%s")).split("\n")).toEqual([
      "Local PaaS Bot <paas-local@example.invalid>|Local PaaS Bot <paas-local@example.invalid>|platform-sync: second (abc)",
      "Local PaaS Bot <paas-local@example.invalid>|Local PaaS Bot <paas-local@example.invalid>|platform-sync: first (abc)",
    ]);
    expect(await gitCli(dir, "ls-tree", "-r", "--name-only", "HEAD~1")).not.toContain(".paas/repo.json");

    const packs = (await readdir(join(dir, ".git", "objects", "pack"))).sort();
    expect(packs).toHaveLength(2);
    expect(packs[0]).toMatch(/^pack-[0-9a-f]{40}\.idx$/);
    await gitCli(dir, "verify-pack", join(dir, ".git", "objects", "pack", packs[1]));
    await gitCli(dir, "fsck", "--strict", "--full", "--no-dangling");
    expect(await gitCli(dir, "status", "--porcelain")).toBe("");
    expect(await gitCli(dir, "ls-tree", "HEAD", "run.sh")).toMatch(/^100755 blob /);
    expect(await gitCli(dir, "ls-tree", "HEAD", "link")).toMatch(/^120000 blob /);
    expect(await gitCli(dir, "show", "HEAD:sub/f3.txt")).toBe("file 3");
    // Every index entry names the blob git itself computes for the file.
    for (const line of (await gitCli(dir, "ls-files", "-s")).split("\n")) {
      const [, , oid, , path] = /^(\d+) ([0-9a-f]{40}) (\d)\t(.*)$/.exec(line)!;
      if (path !== "link") expect(oid, path).toBe(await gitCli(dir, "hash-object", path));
    }
    const { blob } = await git.readBlob({ fs: nodeFs, dir, oid: res.head, filepath: "sub/f5.txt" });
    expect(Buffer.from(blob).toString()).toBe("file 5\n");
    expect((await git.log({ fs: nodeFs, dir })).map((c) => c.commit.message)).toEqual([
      "platform-sync: second (abc)\n",
      "platform-sync: first (abc)\n",
    ]);
  });

  it("writes small commits as loose objects and commits on top of the git CLI's own (TREE extension, gc, packed refs)", async () => {
    const dir = join(root, "repo");
    await initRepo(dir);
    await put(dir, "a.txt", "a\n");
    await put(dir, "user.txt", "u\n");
    await gitCli(dir, "add", "a.txt", "user.txt");
    await gitCli(dir, "commit", "-q", "-m", "user commit");
    await gitCli(dir, "gc", "-q", "--prune=now");
    expect(await readdir(join(dir, ".git", "refs", "heads"))).toEqual([]); // packed-refs only

    await put(dir, "a.txt", "a2\n");
    const res = await fast(dir, ["a.txt"], "platform");
    expect(res.committed).toBe(true);
    expect(await gitCli(dir, "rev-parse", "HEAD")).toBe(res.head);
    expect(await headSha(dir)).toBe(res.head);
    expect(await gitCli(dir, "show", "HEAD:a.txt")).toBe("a2");
    expect(await gitCli(dir, "show", "HEAD:user.txt")).toBe("u");
    expect(await readdir(join(dir, ".git", "objects", "pack"))).toHaveLength(2); // gc's pack only
    await gitCli(dir, "fsck", "--strict", "--full", "--no-dangling");
    expect(await gitCli(dir, "status", "--porcelain")).toBe("");
  });

  it("re-reads a file edited in place with the same size right after the commit (racy stat)", async () => {
    const dir = join(root, "repo");
    await initRepo(dir);
    await put(dir, "a.txt", "one\n");
    const first = await fast(dir, ["a.txt"], "first", true);
    await writeFile(join(dir, "a.txt"), "two\n"); // same inode, same size, likely the same timestamp tick
    const second = await fast(dir, ["a.txt"], "second", true);
    expect(second.committed).toBe(true);
    expect(second.head).not.toBe(first.head);
    expect(await gitCli(dir, "show", "HEAD:a.txt")).toBe("two");
    // With packing allowed, a repo's first commit is one pack however small; later small commits are loose.
    expect(await readdir(join(dir, ".git", "objects", "pack"))).toHaveLength(2);
    expect(await gitCli(dir, "count-objects")).toMatch(/^3 objects/);
    await gitCli(dir, "fsck", "--strict", "--full", "--no-dangling");
  });

  it("writes loose objects only, as git commit does, unless packing is allowed", async () => {
    const dir = join(root, "repo");
    await initRepo(dir);
    for (let i = 0; i < 10; i++) await put(dir, `f${i}.txt`, `${i}\n`);
    await commitSequence(dir, [
      { paths: ["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"], subject: "a" },
      { paths: ["f5.txt", "f6.txt", "f7.txt", "f8.txt", "f9.txt"], subject: "b" },
    ]);
    expect(await readdir(join(dir, ".git", "objects", "pack"))).toEqual([]);
    expect(await gitCli(dir, "count-objects")).toMatch(/^14 objects/); // 10 blobs, 2 trees, 2 commits
    await gitCli(dir, "fsck", "--strict", "--full", "--no-dangling");
  });

  it("leaves a repo it cannot handle to isomorphic-git, before writing anything", async () => {
    const dir = join(root, "repo");
    await initRepo(dir);
    await put(dir, "sub/keep.txt", "k\n");
    await put(dir, "sub/skip.log", "s\n");
    await put(dir, "sub/.gitignore", "*.log\n");
    await expect(fast(dir, ["sub"], "x")).rejects.toBeInstanceOf(UnsupportedRepo);
    expect(await readdir(join(dir, ".git", "objects", "pack"))).toEqual([]);
    expect(await headSha(dir)).toBe("");
    // Through the public call, isomorphic-git honours the ignore file.
    await commitPaths(dir, ["sub"], "with ignore rules");
    expect((await gitCli(dir, "ls-tree", "-r", "--name-only", "HEAD")).split("\n")).toEqual([
      "sub/.gitignore",
      "sub/keep.txt",
    ]);

    await gitCli(dir, "checkout", "-q", "--detach");
    await put(dir, "sub/keep.txt", "k2\n");
    await expect(fast(dir, ["sub"], "x")).rejects.toBeInstanceOf(UnsupportedRepo);
  });
});

/** The same steps through the direct code and through isomorphic-git must give the same trees and index. */
describe("equivalence with the isomorphic-git implementation", () => {
  type Action = (dir: string) => Promise<void>;
  const scenario: Array<Action | CommitStep> = [
    async (d) => {
      await put(d, "kustomization.yaml", "k\n");
      await put(d, "base/deployment.yaml", "d\n");
      await put(d, "base/service.yaml", "s\n");
      await put(d, "overlays/dev/image.txt", "i1\n");
      await put(d, "overlays/prod/image.txt", "p\n");
      await put(d, "README.md", "readme\n");
    },
    { paths: ["README.md"], subject: "bootstrap" },
    { paths: ["kustomization.yaml", "base", "overlays"], subject: "render 1" },
    { paths: ["kustomization.yaml", "base", "overlays"], subject: "render unchanged" },
    async (d) => {
      await put(d, "overlays/dev/image.txt", "i2\n");
      await rm(join(d, "overlays", "prod"), { recursive: true });
      await put(d, "overlays/qa/image.txt", "q\n");
      await put(d, "user-notes.txt", "mine\n");
      await gitCli(d, "add", "user-notes.txt"); // staged by the user: stays out of platform commits
      await put(d, "README.md", "changed by the user\n");
    },
    { paths: ["kustomization.yaml", "base", "overlays"], subject: "render 2" },
    async (d) => {
      await gitCli(d, "commit", "-q", "-m", "user commit"); // on top of the platform's commits
      await put(d, "base/run.sh", "#!/bin/sh\n", 0o755);
      await unlink(join(d, "base", "service.yaml"));
    },
    { paths: ["base"], subject: "render 3" },
    { paths: ["README.md", "missing-file"], subject: "readme" },
  ];

  it("makes the same trees, index and status for a bootstrap-then-render history", async () => {
    const a = join(root, "direct");
    const b = join(root, "iso");
    await initRepo(a);
    await initRepo(b);
    for (const step of scenario) {
      if (typeof step === "function") {
        await step(a);
        await step(b);
        continue;
      }
      const ra = await fast(a, step.paths, step.subject);
      const rb = await isoCommitPaths(b, step.paths, step.subject);
      expect(ra.committed, step.subject).toBe(rb.committed);
      const tree = (d: string) => gitCli(d, "rev-parse", "HEAD^{tree}");
      expect(await tree(a), step.subject).toBe(await tree(b));
      expect(await gitCli(a, "log", "--format=%s"), step.subject).toBe(await gitCli(b, "log", "--format=%s"));
      expect(await gitCli(a, "ls-files", "-s"), step.subject).toBe(await gitCli(b, "ls-files", "-s"));
      expect(await gitCli(a, "status", "--porcelain"), step.subject).toBe(await gitCli(b, "status", "--porcelain"));
    }
    await gitCli(a, "fsck", "--strict", "--full", "--no-dangling");
  });
});
