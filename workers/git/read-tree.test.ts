import { afterEach, describe, expect, it } from "vitest";
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "../../test/support/git.js";
import { readCommitInfo, readFileAtCommit, readTreeFiles } from "./index.js";

let dir = "";
const packIndexes = () =>
  readdirSync(join(dir, ".git", "objects", "pack"))
    .filter((f) => f.endsWith(".idx"))
    .map((f) => join(dir, ".git", "objects", "pack", f));
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = "";
});

/** A repo committed with the git CLI: nested dirs, an executable, a symlink and a submodule (gitlink). */
async function repo(): Promise<{ sha: string; tree: string; at: number }> {
  dir = await mkdtemp(join(tmpdir(), "read-tree-"));
  git(dir, "init", "-q", "-b", "main");
  await mkdir(join(dir, "src", "deep"), { recursive: true });
  await writeFile(join(dir, "README.md"), "readme\n");
  await writeFile(join(dir, "run.sh"), "#!/bin/sh\n");
  await chmod(join(dir, "run.sh"), 0o755);
  await writeFile(join(dir, "src", "deep", "b.txt"), "b\n");
  await symlink("src/deep/b.txt", join(dir, "link"));
  git(dir, "add", ".");
  // A gitlink entry, as a submodule leaves in the tree (the commit it names is not in this repo).
  git(dir, "update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor`);
  git(dir, "commit", "-q", "-m", "init");
  return {
    sha: git(dir, "rev-parse", "HEAD"),
    tree: git(dir, "rev-parse", "HEAD^{tree}"),
    at: Number(git(dir, "log", "-1", "--format=%ct")),
  };
}

describe("readTreeFiles / readCommitInfo / readFileAtCommit", () => {
  it("reads loose objects and, after git gc, the same from a pack", async () => {
    const { sha, tree, at } = await repo();
    const want = [
      { path: "README.md", mode: 0o644, content: "readme\n" },
      { path: "link", mode: 0o777, content: "", symlink: "src/deep/b.txt" },
      { path: "run.sh", mode: 0o755, content: "#!/bin/sh\n" },
      { path: "src/deep/b.txt", mode: 0o644, content: "b\n" },
    ];
    const read = async () =>
      (await readTreeFiles(dir, tree)).map((f) => ({ ...f, content: f.content.toString("utf8") }));
    expect(await read()).toEqual(want);
    expect(await readCommitInfo(dir, sha)).toEqual({ tree, committedAt: at });

    git(dir, "gc", "-q", "--prune=now");
    expect((await readdir(join(dir, ".git", "objects"))).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    expect(await read()).toEqual(want);
    expect(await readCommitInfo(dir, sha)).toEqual({ tree, committedAt: at });
    expect((await readFileAtCommit(dir, sha, "src/deep/b.txt"))?.toString()).toBe("b\n");
  });

  it("reads whole packed objects and deltas (git repack without and with delta compression)", async () => {
    const { tree } = await repo();
    // Two large, nearly equal files: with deltas allowed, git stores one of them as a delta of the other.
    const big = "line of a large file\n".repeat(400);
    await writeFile(join(dir, "big-a.txt"), big);
    await writeFile(join(dir, "big-b.txt"), `${big}one more line\n`);
    git(dir, "add", "big-a.txt", "big-b.txt");
    git(dir, "commit", "-q", "-m", "big");
    const tree2 = git(dir, "rev-parse", "HEAD^{tree}");
    const snapshot = async (t: string) =>
      (await readTreeFiles(dir, t)).map((f) => [f.path, f.mode, f.content.toString("utf8"), f.symlink]);
    const loose = [await snapshot(tree), await snapshot(tree2)];
    git(dir, "repack", "-q", "-a", "-d", "-f", "--window=0", "--depth=0"); // whole objects only
    expect([await snapshot(tree), await snapshot(tree2)]).toEqual(loose);
    git(dir, "repack", "-q", "-a", "-d", "-f", "--window=50", "--depth=50");
    expect(git(dir, "verify-pack", "-v", ...packIndexes())).toMatch(/chain length = 1/);
    expect([await snapshot(tree), await snapshot(tree2)]).toEqual(loose);
  });

  it("answers null for what a commit does not have", async () => {
    const { sha, tree } = await repo();
    expect(await readCommitInfo(dir, "0".repeat(40))).toBeNull();
    expect(await readCommitInfo(dir, tree)).toBeNull(); // a tree, not a commit
    expect((await readFileAtCommit(dir, sha, "README.md"))?.toString()).toBe("readme\n");
    expect(await readFileAtCommit(dir, sha, "Dockerfile")).toBeNull();
    expect(await readFileAtCommit(dir, sha, "src")).toBeNull(); // a directory
    expect(await readFileAtCommit(dir, sha, "vendor")).toBeNull(); // a submodule
    expect(await readFileAtCommit(dir, sha, "README.md/x")).toBeNull();
    expect(await readFileAtCommit(dir, "0".repeat(40), "README.md")).toBeNull();
  });
});
