import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { buildContextTar } from "./context-tar.js";

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_COMMITTER_DATE: "2026-01-02T03:04:05Z",
};
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, ...args], { env: GIT_ENV, encoding: "utf8" }).trim();

interface Entry {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  linkname?: string;
  body: string;
}

async function entries(tar: Uint8Array): Promise<Entry[]> {
  const out: Entry[] = [];
  const x = extract();
  x.on("entry", (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on("end", () => {
      out.push({
        name: h.name,
        type: h.type ?? "file",
        mode: h.mode ?? 0,
        mtime: (h.mtime?.getTime() ?? 0) / 1000,
        ...(h.linkname ? { linkname: h.linkname } : {}),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    x.on("finish", () => resolve());
    x.on("error", reject);
  });
  x.end(Buffer.from(tar));
  await done;
  return out;
}

let dir = "";
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = "";
});

describe("buildContextTar", () => {
  it("tars the committed tree in tree order with modes, symlinks and the commit time, plus a generated Dockerfile", async () => {
    dir = await mkdtemp(join(tmpdir(), "ctx-tar-"));
    git(dir, "init", "-q", "-b", "main");
    await mkdir(join(dir, "src", "deep"), { recursive: true });
    await writeFile(join(dir, "README.md"), "readme\n");
    await writeFile(join(dir, "run.sh"), "#!/bin/sh\n");
    await chmod(join(dir, "run.sh"), 0o755);
    await writeFile(join(dir, "src", "a.txt"), "a\n");
    await writeFile(join(dir, "src", "deep", "b.txt"), "b\n");
    await writeFile(join(dir, "zeta.txt"), "z\n");
    await writeFile(join(dir, "untracked.txt"), "not committed\n");
    await symlink("src/a.txt", join(dir, "link"));
    git(dir, "add", "README.md", "run.sh", "src", "zeta.txt", "link");
    git(dir, "commit", "-q", "-m", "init");
    const sha = git(dir, "rev-parse", "HEAD");

    const got = await entries(await buildContextTar(dir, sha, "FROM scratch\n"));
    expect(got.map((e) => e.name)).toEqual([
      "README.md",
      "link",
      "run.sh",
      "src/a.txt",
      "src/deep/b.txt",
      "zeta.txt",
      "Dockerfile",
    ]);
    const by = Object.fromEntries(got.map((e) => [e.name, e]));
    expect(by["run.sh"].mode).toBe(0o755);
    expect(by["README.md"]).toMatchObject({ mode: 0o644, body: "readme\n", type: "file" });
    expect(by["src/deep/b.txt"].body).toBe("b\n");
    expect(by.link).toMatchObject({ type: "symlink", linkname: "src/a.txt" });
    expect(by.Dockerfile.body).toBe("FROM scratch\n");
    expect(new Set(got.map((e) => e.mtime))).toEqual(new Set([Date.parse("2026-01-02T03:04:05Z") / 1000]));
  });

  it("keeps the repo's own Dockerfile and adds none", async () => {
    dir = await mkdtemp(join(tmpdir(), "ctx-tar-"));
    git(dir, "init", "-q", "-b", "main");
    await writeFile(join(dir, "Dockerfile"), "FROM scratch\nCOPY x /x\n");
    await writeFile(join(dir, "x"), "x\n");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "init");
    const got = await entries(await buildContextTar(dir, git(dir, "rev-parse", "HEAD"), "FROM generated\n"));
    expect(got.map((e) => [e.name, e.body])).toEqual([
      ["Dockerfile", "FROM scratch\nCOPY x /x\n"],
      ["x", "x\n"],
    ]);
  });
});
