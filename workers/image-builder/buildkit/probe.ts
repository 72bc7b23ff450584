import { stat } from "node:fs/promises";
import type { ProbeResult } from "../mode.js";
import { parseBuildkitAddr } from "./address.js";
import { BuildkitClient } from "./control.js";

/** Auto-detection order when no address is configured (SPEC §9.2). */
export const DEFAULT_BUILDKIT_ADDRS = ["unix:///run/buildkit/buildkitd.sock", "docker-unix:///var/run/docker.sock"];

export type ProbeAddrResult = { ok: true; addr: string; workers: number } | { ok: false; error: string };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Ask one address for its workers (ListWorkers, `timeoutMs` deadline covering connect + call); ok when ≥ 1 worker.
 * The error names the address: `unix:///x.sock: connect ENOENT /x.sock`.
 */
export async function probeBuildkitAddr(addr: string, timeoutMs = 1000): Promise<ProbeAddrResult> {
  let client: BuildkitClient;
  try {
    client = new BuildkitClient(addr);
  } catch (err) {
    return { ok: false, error: `${addr}: ${errorText(err)}` };
  }
  try {
    const workers = await client.listWorkers(timeoutMs);
    if (workers.length < 1) return { ok: false, error: `${client.addr}: no BuildKit workers` };
    return { ok: true, addr: client.addr, workers: workers.length };
  } catch (err) {
    return { ok: false, error: `${client.addr}: ${errorText(err)}` };
  } finally {
    await client.close();
  }
}

export interface ProbeOptions {
  /** Candidates when `addr` is unset (default DEFAULT_BUILDKIT_ADDRS). */
  candidates?: string[];
  timeoutMs?: number;
}

async function socketExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve the BuildKit address (SPEC §9.2): a configured `addr` is probed alone; unset (or blank) tries the
 * candidates in order — a `docker-unix://` candidate only when its socket exists — and the first that answers wins.
 * The error lists every candidate with its error, joined by `; `.
 */
export async function probeBuildkit(addr?: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const configured = addr?.trim();
  if (configured) {
    const r = await probeBuildkitAddr(configured, timeoutMs);
    return r.ok ? { ok: true, addr: r.addr } : { ok: false, error: r.error };
  }
  const errors: string[] = [];
  for (const candidate of opts.candidates ?? DEFAULT_BUILDKIT_ADDRS) {
    const a = parseBuildkitAddr(candidate);
    if (a.scheme === "docker-unix" && !(await socketExists(a.path))) {
      errors.push(`${a.raw}: no such socket`);
      continue;
    }
    const r = await probeBuildkitAddr(a.raw, timeoutMs);
    if (r.ok) return { ok: true, addr: r.addr };
    errors.push(r.error);
  }
  return { ok: false, error: errors.join("; ") };
}
