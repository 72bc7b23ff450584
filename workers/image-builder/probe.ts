import { access } from "node:fs/promises";
import type { ProbeResult } from "./mode.js";

export const DEFAULT_BUILDKIT_ADDRS = ["unix:///run/buildkit/buildkitd.sock", "docker-unix:///var/run/docker.sock"];

/**
 * Probe BuildKit (SPEC §9.2). This version has no BuildKit client yet (issue 3 adds the gRPC client), so
 * every address reports why it cannot be used; the mode resolution then falls back or reports a policy
 * error exactly as it will for an unreachable daemon.
 */
export async function probeBuildkit(addr: string | undefined): Promise<ProbeResult> {
  const addrs = addr ? [addr] : DEFAULT_BUILDKIT_ADDRS;
  const tried: string[] = [];
  for (const a of addrs) {
    const path = a.replace(/^(docker-)?unix:\/\//, "");
    if (a.includes("unix://")) {
      try {
        await access(path);
        tried.push(`${a}: socket present but this build has no BuildKit client`);
      } catch {
        tried.push(`${a}: no such socket`);
      }
    } else {
      tried.push(`${a}: this build has no BuildKit client`);
    }
  }
  return { ok: false, error: tried.join("; ") };
}
