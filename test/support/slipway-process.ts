import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const BUNDLE = resolve(import.meta.dirname, "../../dist/slipway.mjs");

/** A Slipway process started from the built bundle, on a free port, with its own data and artifact dirs. */
export interface SlipwayProcess {
  base: string;
  proc: ChildProcess;
  dataDir: string;
  artifactsRoot: string;
  logs(): string;
  /** Resolves once the process output matches `pattern` (already or later); rejects after `ms`. */
  waitForLog(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Dirs {
  root: string;
  dataDir: string;
  artifactsRoot: string;
  cleanup(): Promise<void>;
}

/** Fresh temp dirs for one test file's Slipway. */
export async function makeDirs(): Promise<Dirs> {
  const root = await mkdtemp(join(tmpdir(), "slipway-it-"));
  return {
    root,
    dataDir: join(root, "data"),
    artifactsRoot: join(root, "artifacts"),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error(`missing ${BUNDLE}: run "npm run build" (make test does this)`);
}

/** Run the bundle and wait for its `Portal:` line (or its exit). */
export async function startSlipway(
  dirs: Pick<Dirs, "dataDir" | "artifactsRoot">,
  env: Record<string, string> = {},
): Promise<SlipwayProcess> {
  requireBundle();
  const proc = spawn(process.execPath, [BUNDLE], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PAAS_HTTP_ADDR: "127.0.0.1:0",
      PAAS_DATA_DIR: dirs.dataDir,
      PAAS_ARTIFACTS_ROOT: dirs.artifactsRoot,
      PAAS_IMAGE_BUILDER_MODE: "artifact",
      PAAS_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((res) => proc.once("exit", (code) => res(code)));
  const base = await new Promise<string>((res, rej) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const w of [...waiters]) w();
      // The workers line comes last, once the engine consumes work: the process is fully up.
      const m = /Portal: (http:\/\/[^\s"]+)/.exec(out);
      if (m && /Workers: /.test(out)) res(m[1]);
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    void exited.then((code) => rej(new Error(`slipway exited (${code}) before serving:\n${out}`)));
  });
  return {
    base,
    proc,
    ...dirs,
    logs: () => out,
    waitForLog: (pattern, ms = 30_000) =>
      new Promise<string>((res, rej) => {
        const check = () => {
          const m = pattern.exec(out);
          if (!m) return;
          waiters.delete(check);
          clearTimeout(timer);
          res(m[0]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`timed out waiting for ${pattern} in:\n${out.slice(-4000)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Run the bundle expecting it to refuse to start; returns exit code and stderr. */
export async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  requireBundle();
  const proc = spawn(process.execPath, [BUNDLE], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  proc.stdout!.resume();
  const code = await new Promise<number | null>((res) => proc.once("exit", (c) => res(c)));
  return { code, stderr };
}
