import fs from "node:fs";
import git from "isomorphic-git";
import { pack } from "tar-stream";
import { withGitTimeout } from "../git/index.js";

interface TreeFile {
  path: string;
  mode: number;
  content: Uint8Array;
  symlink?: string;
}

/** The files under a tree, depth first in tree order; blobs and subtrees are read concurrently. */
async function walkTree(dir: string, oid: string, prefix: string): Promise<TreeFile[]> {
  const { tree } = await git.readTree({ fs, dir, oid });
  const parts = await Promise.all(
    tree.map(async (e): Promise<TreeFile[]> => {
      const path = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === "tree") return walkTree(dir, e.oid, path);
      if (e.type === "commit") return []; // submodules are not part of the context
      const { blob } = await git.readBlob({ fs, dir, oid: e.oid });
      if (e.mode === "120000")
        return [{ path, mode: 0o777, content: new Uint8Array(), symlink: Buffer.from(blob).toString("utf8") }];
      return [{ path, mode: e.mode === "100755" ? 0o755 : 0o644, content: blob }];
    }),
  );
  return parts.flat();
}

/**
 * The build context of SPEC §9.3: a tar of the committed files of `commit` in the source repo (modes
 * 0644/0755, symlinks as symlinks, submodules skipped, mtime = commit time), plus `Dockerfile` when the tree
 * has none at its root.
 */
export async function buildContextTar(repo: string, commit: string, generatedDockerfile: string): Promise<Uint8Array> {
  return withGitTimeout("build context", async () => {
    const { commit: c } = await git.readCommit({ fs, dir: repo, oid: commit });
    const mtime = new Date(c.committer.timestamp * 1000);
    const files = await walkTree(repo, c.tree, "");
    if (!files.some((f) => f.path === "Dockerfile")) {
      files.push({ path: "Dockerfile", mode: 0o644, content: Buffer.from(generatedDockerfile) });
    }
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (b: unknown) => chunks.push(b as Buffer));
    const ended = new Promise<void>((resolve, reject) => {
      p.on("end", () => resolve());
      p.on("error", reject);
    });
    for (const f of files) {
      await new Promise<void>((resolve, reject) => {
        const header =
          f.symlink !== undefined
            ? { name: f.path, type: "symlink" as const, linkname: f.symlink, mode: f.mode, mtime }
            : { name: f.path, type: "file" as const, mode: f.mode, mtime, size: f.content.byteLength };
        const done = (err?: Error | null) => (err ? reject(err) : resolve());
        if (f.symlink !== undefined) p.entry(header, done);
        else p.entry(header, Buffer.from(f.content), done);
      });
    }
    p.finalize();
    await ended;
    return new Uint8Array(Buffer.concat(chunks));
  });
}
