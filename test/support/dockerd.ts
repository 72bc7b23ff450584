import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, watch, type FSWatcher } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const FIX = 'run "make setup" (apt-get install -y docker.io) or set PAAS_BUILDKIT_ADDR';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** A Docker engine for BuildKit tests: `addr` is `docker-unix://<socket>`. */
export interface Dockerd {
  addr: string;
  /** The engine API socket (empty when PAAS_BUILDKIT_ADDR names a non-Docker daemon). */
  socket: string;
  /** dockerd's captured stderr (empty for an external daemon). */
  logs(): string;
  stop(): Promise<void>;
}

function findDockerd(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"];
  for (const d of dirs) {
    if (d && existsSync(join(d, "dockerd"))) return join(d, "dockerd");
  }
  return null;
}

/** GET `path` on the engine socket; resolves with status and body. */
export function engineRequest(
  socket: string,
  path: string,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, path, method: "GET", timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} on ${socket} timed out after ${timeoutMs}ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** The image's id (`sha256:…`) when the engine knows `ref`, else null. */
export async function imageExists(socket: string, ref: string): Promise<string | null> {
  const res = await engineRequest(socket, `/images/${encodeURIComponent(ref)}/json`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET /images/${ref}/json: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const id = (JSON.parse(res.body) as { Id?: string }).Id;
  return id ?? null;
}

function waitExit(proc: ChildProcess, ms: number): Promise<boolean> {
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
export async function startDockerd(): Promise<Dockerd> {
  const external = process.env.PAAS_BUILDKIT_ADDR?.trim();
  if (external) {
    const m = /^docker-unix:\/\/(.+)$/.exec(external);
    return { addr: external, socket: m ? m[1] : "", logs: () => "", stop: async () => {} };
  }
  const bin = findDockerd();
  if (!bin) throw new Error(`dockerd is not installed: ${FIX}`);
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    throw new Error(`dockerd must run as root (uid ${process.getuid()}): ${FIX}`);

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
  let waker: (() => void) | null = null;
  function wake() {
    const w = waker;
    waker = null;
    w?.();
  }
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  proc.stderr?.setEncoding("utf8");
  proc.stderr?.on("data", (s: string) => {
    stderr = (stderr + s).slice(-256 * 1024);
    wake();
  });
  let spawnError: Error | undefined;
  proc.on("error", (err) => {
    spawnError = err;
    wake();
  });
  proc.on("exit", () => wake());

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => wake());
  } catch {
    watcher = undefined;
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const fail = async (why: string): Promise<never> => {
    watcher?.close();
    if (!spawnError && proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      if (!(await waitExit(proc, STOP_TIMEOUT_MS))) proc.kill("SIGKILL");
      await waitExit(proc, STOP_TIMEOUT_MS);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    const tail = stderr.trim().split("\n").slice(-15).join("\n");
    throw new Error(`dockerd could not start (${why}): ${FIX}${tail ? `\n--- dockerd stderr ---\n${tail}` : ""}`);
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
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 100);
      waker = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  watcher?.close();

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        if (!(await waitExit(proc, STOP_TIMEOUT_MS))) {
          try {
            process.kill(-proc.pid!, "SIGKILL"); // its process group: dockerd and what it spawned
          } catch {
            proc.kill("SIGKILL");
          }
          await waitExit(proc, STOP_TIMEOUT_MS);
        }
      }
      try {
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        throw new Error(`could not remove dockerd temp dir ${dir}: ${(err as Error).message}`);
      }
    })());
  return { addr: `docker-unix://${socket}`, socket, logs: () => stderr, stop };
}

// ---- build contexts -------------------------------------------------------------------------------------------

/** One regular file of a tar. */
export interface TarFile {
  name: string;
  content: string | Buffer;
  mode?: number;
  mtime?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** A minimal POSIX ustar archive of regular files (names ≤ 100 bytes). */
export function ustar(files: TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, "utf8");
    if (Buffer.byteLength(f.name) > 100) throw new Error(`tar entry name too long: ${f.name}`);
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, "utf8");
    h.write(octal(f.mode ?? 0o644, 8), 100, 8, "ascii");
    h.write(octal(0, 8), 108, 8, "ascii");
    h.write(octal(0, 8), 116, 8, "ascii");
    h.write(octal(data.length, 12), 124, 12, "ascii");
    h.write(octal(f.mtime ?? 1_700_000_000, 12), 136, 12, "ascii");
    h.write("        ", 148, 8, "ascii");
    h.write("0", 156, 1, "ascii");
    h.write("ustar\0", 257, 6, "ascii");
    h.write("00", 263, 2, "ascii");
    h.write("root", 265, 32, "ascii");
    h.write("root", 297, 32, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Serve tars at `http://127.0.0.1:<port>/<name>.tar` (port 0 → a free port). */
export async function serveTars(
  tars: Record<string, Buffer>,
): Promise<{ url(name: string): string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/([\w.-]+)\.tar$/.exec(req.url ?? "");
    const body = m ? tars[m[1]] : undefined;
    if (!body) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/x-tar", "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.tar`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
