// A private Docker engine for the BuildKit tests (test/support/dockerd.ts) and the P6 benchmark
// (scripts/bench/p6-buildkit.mjs): one way to start it, so both measure and test against the same daemon setup.
// Plain ESM so the benchmark runs it without a TypeScript step; types in dockerd.d.mts.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export const DOCKERD_FIX = 'run "make setup" (apt-get install -y docker.io) or set PAAS_BUILDKIT_ADDR';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

function findDockerd(pathEnv) {
  const dirs = [...(pathEnv ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"];
  for (const d of dirs) {
    if (d && existsSync(join(d, "dockerd"))) return join(d, "dockerd");
  }
  return null;
}

/** GET `path` on the engine socket; resolves with status and body. */
export function engineRequest(socket, path, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path, method: "GET", timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} on ${socket} timed out after ${timeoutMs}ms`)));
    req.on("error", reject);
    req.end();
  });
}

function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      proc.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(t);
      resolve(true);
    };
    proc.once("exit", onExit);
  });
}

/**
 * Start a private Docker engine (as root) on a socket under a fresh temp dir, or use PAAS_BUILDKIT_ADDR when set.
 * Throws (never skips) with the fix when dockerd is missing or cannot start.
 */
export async function startDockerd(env = process.env) {
  const external = env.PAAS_BUILDKIT_ADDR?.trim();
  if (external) {
    const m = /^docker-unix:\/\/(.+)$/.exec(external);
    return { addr: external, socket: m ? m[1] : "", dir: "", pid: 0, logs: () => "", stop: async () => {} };
  }
  const bin = findDockerd(env.PATH);
  if (!bin) throw new Error(`dockerd is not installed: ${DOCKERD_FIX}`);
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    throw new Error(`dockerd must run as root (uid ${process.getuid()}): ${DOCKERD_FIX}`);

  const base = tmpdir().length > 40 ? "/tmp" : tmpdir(); // unix socket paths are limited to 107 bytes
  const dir = await mkdtemp(join(base, "slipway-dockerd-"));
  const socket = join(dir, "docker.sock");
  const help = spawnSync(bin, ["--help"], { encoding: "utf8", timeout: 10_000 });
  const args = [
    "-H",
    `unix://${socket}`,
    "--data-root",
    join(dir, "data"),
    "--exec-root",
    join(dir, "exec"),
    "--pidfile",
    join(dir, "docker.pid"),
    "--iptables=false",
    "--bridge=none",
    "--storage-driver=vfs",
  ];
  if (`${help.stdout}${help.stderr}`.includes("--ip6tables")) args.push("--ip6tables=false");

  // Wait for the socket to answer GET /_ping: woken by dockerd's output and the socket appearing, with a short
  // poll as a floor; bounded by READY_TIMEOUT_MS and cut short when dockerd exits.
  let waker = null;
  function wake() {
    const w = waker;
    waker = null;
    w?.();
  }
  // Its own process group, so stop() can take down what it spawned (containerd, shims) with it.
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s) => {
    stderr = (stderr + s).slice(-256 * 1024);
    wake();
  });
  let spawnError;
  proc.on("error", (err) => {
    spawnError = err;
    wake();
  });
  proc.on("exit", () => wake());

  let watcher;
  try {
    watcher = watch(dir, () => wake());
  } catch {
    watcher = undefined;
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const fail = async (why) => {
    watcher?.close();
    if (!spawnError && proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      if (!(await waitExit(proc, STOP_TIMEOUT_MS))) proc.kill("SIGKILL");
      await waitExit(proc, STOP_TIMEOUT_MS);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    const tail = stderr.trim().split("\n").slice(-15).join("\n");
    throw new Error(
      `dockerd could not start (${why}): ${DOCKERD_FIX}${tail ? `\n--- dockerd stderr ---\n${tail}` : ""}`,
    );
  };
  for (;;) {
    if (spawnError) return fail(`spawn ${bin}: ${spawnError.message}`);
    if (proc.exitCode !== null || proc.signalCode !== null)
      return fail(`exited with ${proc.exitCode ?? proc.signalCode} before it was ready`);
    if (Date.now() > deadline) return fail(`no answer on ${socket} within ${READY_TIMEOUT_MS / 1000}s`);
    if (existsSync(socket)) {
      const ok = await engineRequest(socket, "/_ping", 5_000).then(
        (r) => r.status === 200 && r.body === "OK",
        () => false,
      );
      if (ok) break;
    }
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 100);
      waker = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  watcher?.close();

  let stopped;
  const stop = () =>
    (stopped ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        if (!(await waitExit(proc, STOP_TIMEOUT_MS))) {
          try {
            process.kill(-proc.pid, "SIGKILL"); // its process group: dockerd and what it spawned
          } catch {
            proc.kill("SIGKILL");
          }
          await waitExit(proc, STOP_TIMEOUT_MS);
        }
      }
      try {
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        throw new Error(`could not remove dockerd temp dir ${dir}: ${err.message}`);
      }
    })());
  return { addr: `docker-unix://${socket}`, socket, dir, pid: proc.pid, logs: () => stderr, stop };
}
