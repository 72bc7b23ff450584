import { pack } from "tar-stream";
import { readCommitInfo, readTreeFiles, withGitTimeout, type CommittedFile } from "../git/index.js";

/**
 * The build context of SPEC §9.3: a tar of the committed files of `commit` in the source repo (modes
 * 0644/0755, symlinks as symlinks, submodules skipped, mtime = commit time), plus `Dockerfile` when the tree
 * has none at its root.
 */
export async function buildContextTar(repo: string, commit: string, generatedDockerfile: string): Promise<Uint8Array> {
  return withGitTimeout("build context", async () => {
    const c = await readCommitInfo(repo, commit);
    if (!c) throw new Error(`commit ${commit} not found in the source repo`);
    const mtime = new Date(c.committedAt * 1000);
    const files: CommittedFile[] = await readTreeFiles(repo, c.tree);
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
        else p.entry(header, f.content, done);
      });
    }
    p.finalize();
    await ended;
    return new Uint8Array(Buffer.concat(chunks));
  });
}
