import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, access, constants } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { BrokerStartError, NATS_NOT_FOUND_MESSAGE } from "./errors.js";

const execFileAsync = promisify(execFile);
const STDERR_LIMIT = 64 * 1024;
const READY_TIMEOUT_MS = 10_000;

export interface SupervisorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SupervisorOptions {
  bin: string;
  /** The PATH to look a bare `bin` name up in (from the config; nothing here reads process.env). */
  searchPath: string;
  /** JetStream store dir; empty → a fresh temp dir removed at stop (ephemeral). */
  storeDir: string;
  /** `always` or a duration; sent only to servers ≥ 2.10.0 (SPEC §3.8). */
  sync: string;
  log: SupervisorLogger;
}

/** Compare dotted versions: true when a ≥ b. */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split(".").map((x) => parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  }
  return true;
}

/** Render the generated nats-server config (SPEC §3.8). */
export function renderServerConfig(opts: { port: number; storeDir: string; portsDir: string; sync?: string }): string {
  const lines = [
    `server_name: "slipway-embedded"`,
    `listen: "127.0.0.1:${opts.port}"`,
    `ports_file_dir: ${JSON.stringify(opts.portsDir)}`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(opts.storeDir)}`,
  ];
  if (opts.sync !== undefined) lines.push(`  sync_interval: ${JSON.stringify(opts.sync)}`);
  lines.push(`}`, ``);
  return lines.join("\n");
}

async function resolveBinary(bin: string, searchPath: string): Promise<string> {
  const candidates =
    isAbsolute(bin) || bin.includes("/")
      ? [bin]
      : searchPath
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  throw new BrokerStartError(NATS_NOT_FOUND_MESSAGE);
}

/**
 * Supervises one nats-server child: port -1 plus a ports file on first start, readiness raced against
 * early exit, restart with backoff (0.5 s doubling to 10 s, reset after 60 s up) on the same port, and an
 * async stop (DESIGN §4, after nats.js's test launcher).
 */
export class NatsSupervisor {
  private child?: ChildProcess;
  private stderr = "";
  private port = -1;
  private stopping = false;
  private restartDelayMs = 500;
  private restartTimer?: NodeJS.Timeout;
  private workDir = "";
  private binPath = "";
  private ephemeralDir?: string;
  version = "";
  syncInterval = "server-default";
  storeDir = "";
  url = "";
  /** Called after the child was restarted (clients reconnect on their own). */
  onRestart?: () => void;

  constructor(private readonly opts: SupervisorOptions) {}

  /** Start the child and resolve with its client URL once it accepts connections. */
  async start(): Promise<string> {
    this.binPath = await resolveBinary(this.opts.bin, this.opts.searchPath);
    this.version = await this.readVersion();
    this.workDir = await mkdtemp(join(tmpdir(), "slipway-nats-"));
    if (this.opts.storeDir) {
      this.storeDir = this.opts.storeDir;
      await mkdir(this.storeDir, { recursive: true, mode: 0o750 });
    } else {
      this.ephemeralDir = await mkdtemp(join(tmpdir(), "slipway-nats-store-"));
      this.storeDir = this.ephemeralDir;
    }
    await this.reapOrphan();
    const supportsSync = versionAtLeast(this.version, "2.10.0");
    if (supportsSync) this.syncInterval = this.opts.sync;
    else this.opts.log.warn({}, `NATS server ${this.version} does not support sync_interval; using its default`);
    await this.spawnOnce();
    return this.url;
  }

  private get pidFile(): string {
    return join(this.storeDir, "slipway-nats.pid");
  }

  /**
   * A Slipway that died hard (SIGKILL, OOM) leaves its nats-server child running on this store. Stop that
   * orphan before starting a new server on the same store dir.
   */
  private async reapOrphan(): Promise<void> {
    const pid = Number((await readFile(this.pidFile, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes("nats-server")) return;
    this.opts.log.warn({ pid }, "stopping orphaned nats-server left by a previous run");
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive()) process.kill(pid, "SIGKILL");
    while (alive()) await new Promise((r) => setTimeout(r, 20));
  }

  private async readVersion(): Promise<string> {
    try {
      const { stdout } = await execFileAsync(this.binPath, ["--version"], { timeout: 5000 });
      const m = /v?(\d+\.\d+\.\d+)/.exec(stdout);
      return m ? m[1] : "0.0.0";
    } catch (err) {
      throw new BrokerStartError(`nats-server --version failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private async spawnOnce(): Promise<void> {
    const portsDir = join(this.workDir, "ports");
    await rm(portsDir, { recursive: true, force: true });
    await mkdir(portsDir, { recursive: true });
    const confPath = join(this.workDir, "nats.conf");
    await writeFile(
      confPath,
      renderServerConfig({
        port: this.port,
        storeDir: this.storeDir,
        portsDir,
        sync: this.syncInterval === "server-default" ? undefined : this.syncInterval,
      }),
    );
    this.stderr = "";
    const child = spawn(this.binPath, ["-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_LIMIT);
    });

    const exited = new Promise<never>((_, reject) => {
      child.once("exit", (code, signal) =>
        reject(new BrokerStartError(`nats-server exited early (code=${code} signal=${signal})`)),
      );
      child.once("error", (err) => reject(new BrokerStartError(`nats-server failed to start: ${err.message}`)));
    });
    exited.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BrokerStartError("nats-server not ready within 10s")), READY_TIMEOUT_MS);
    });
    try {
      const port = await Promise.race([this.waitForPortsFile(portsDir, child), exited, timeout]);
      this.port = port;
      this.url = `nats://127.0.0.1:${port}`;
    } catch (err) {
      child.kill("SIGKILL");
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r),
      );
      this.opts.log.error({ stderr: this.stderr }, "nats-server failed to start");
      throw err;
    } finally {
      clearTimeout(timer);
    }
    await writeFile(this.pidFile, `${child.pid}\n`);
    const startedAt = Date.now();
    child.once("exit", (code, signal) => this.onExit(code, signal, startedAt));
  }

  private async waitForPortsFile(dir: string, child: ChildProcess): Promise<number> {
    // The server writes <name>_<pid>.ports once its listeners are up.
    for (;;) {
      if (child.exitCode !== null) throw new BrokerStartError("nats-server exited early");
      const files = await readdir(dir).catch(() => [] as string[]);
      const f = files.find((n) => n.endsWith(".ports"));
      if (f) {
        const data = JSON.parse(await readFile(join(dir, f), "utf8")) as { nats?: string[] };
        const m = /:(\d+)$/.exec(data.nats?.[0] ?? "");
        if (m) return Number(m[1]);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startedAt: number): void {
    if (this.stopping) return;
    if (Date.now() - startedAt > 60_000) this.restartDelayMs = 500;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 10_000);
    this.opts.log.warn(
      { code, signal, delay_ms: delay, stderr: this.stderr.slice(-2048) },
      "nats-server exited; restarting",
    );
    this.restartTimer = setTimeout(() => {
      this.spawnOnce()
        .then(() => {
          this.opts.log.info({ url: this.url }, "nats-server restarted");
          this.onRestart?.();
        })
        .catch((err: Error) => {
          this.opts.log.error({ err: err.message }, "nats-server restart failed");
          if (!this.stopping) this.onExit(null, null, Date.now());
        });
    }, delay);
  }

  /** The child's pid (tests kill it to exercise restarts). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stop the child (SIGTERM, then SIGKILL after 5 s) and remove an ephemeral store. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await done;
      clearTimeout(t);
    }
    await rm(this.pidFile, { force: true });
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true });
    if (this.ephemeralDir) await rm(this.ephemeralDir, { recursive: true, force: true });
  }
}
