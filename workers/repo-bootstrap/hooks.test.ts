import { execFile } from "node:child_process";
import { once } from "node:events";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderHookScript, webhookEndpoint } from "./index.js";

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
const gitArgs = ["-c", "user.name=t", "-c", "user.email=t@x", "-c", "core.hooksPath=/dev/null"];
const git = (cwd: string, ...args: string[]) => run("git", [...gitArgs, ...args], { cwd, env: gitEnv });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-hook-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("webhookEndpoint", () => {
  it("appends the source webhook path, ignoring trailing slashes", () => {
    expect(webhookEndpoint("http://h:1")).toBe("http://h:1/api/webhooks/source");
    expect(webhookEndpoint("http://h:1//")).toBe("http://h:1/api/webhooks/source");
  });
});

describe("renderHookScript", () => {
  it("is identical for both hooks unless a name is baked in", () => {
    const opts = { projectId: "p", endpointBase: "http://h" };
    // eslint-disable-next-line no-template-curly-in-string -- the hook's own shell expansion, not a JS template.
    expect(renderHookScript(opts)).toContain("hook_name=${0##*/}");
    expect(renderHookScript({ ...opts, hookName: "post-merge" })).toContain("hook_name='post-merge'");
  });

  it("quotes baked-in values so they reach the webhook verbatim and never run", async () => {
    const received: Array<{ url: string; body: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        received.push({ url: req.url ?? "", body });
        res.writeHead(204).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const projectId = `it's "odd" $(touch pwned-id) \`touch pwned-tick\``;
      // eslint-disable-next-line no-template-curly-in-string -- a literal shell expansion is the point of this test.
      const hostilePath = "/x'$(touch${IFS}pwned-url)";
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${hostilePath}`;
      const script = renderHookScript({ projectId, endpointBase: base, hookName: "post-commit" });
      await run("sh", ["-n", "-c", script]);

      await git(dir, "init", "-q", "-b", "main");
      await writeFile(join(dir, "f.txt"), "f\n");
      await git(dir, "add", "f.txt");
      await git(dir, "commit", "-q", "-m", "feat: f");
      const sha = (await git(dir, "rev-parse", "HEAD")).stdout.trim();
      await writeFile(join(dir, ".git", "hook.sh"), script);
      await run("sh", [".git/hook.sh"], { cwd: dir, env: gitEnv });

      expect(received).toHaveLength(1);
      expect(decodeURIComponent(received[0].url)).toBe(`${hostilePath}/api/webhooks/source`);
      expect(JSON.parse(received[0].body)).toEqual({
        project_id: projectId,
        repo: "source",
        branch: "main",
        ref: "refs/heads/main",
        commit: sha,
      });
      for (const f of ["pwned-id", "pwned-tick", "pwned-url"]) await expect(access(join(dir, f))).rejects.toThrow();
      // No secret file: the delivery goes out unsigned and is still logged.
      expect(await readFile(join(dir, ".git", "paas-hook.log"), "utf8")).toMatch(
        new RegExp(`^\\S+Z post-commit commit=${sha} delivery=[0-9a-f-]+ status=204\\n$`),
      );
    } finally {
      server.close();
    }
  });
});
