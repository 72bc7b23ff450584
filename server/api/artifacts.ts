import { open, readdir, realpath, stat } from "node:fs/promises";
import { ApiError, json, notFound, route, type App, type AppEnv } from "../http/index.js";
import { join, sep } from "node:path";
import type { Context } from "hono";
import { PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";
import type { ApiDeps } from "./deps.js";

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every regular file under dir as `/`-separated relative paths; never enters `.git` or follows symlinks. */
export async function listArtifacts(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && rel === "") return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== ".git") await walk(join(abs, e.name), r);
      } else if (e.isFile()) out.push(r);
    }
  }
  await walk(dir, "");
  return out.sort(byteOrder);
}

/**
 * Validate an artifact path per SPEC §8.2: decoded once; not empty, absolute, NUL, `\`, empty/`.`/`..`
 * segments or a `.git` segment. Returns null when rejected.
 */
export function safeArtifactPath(encoded: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  if (p === "" || p.startsWith("/") || p.includes("\0") || p.includes("\\")) return null;
  const segs = p.split("/");
  if (segs.some((s) => s === "" || s === "." || s === ".." || s === ".git")) return null;
  return p;
}

/** `Content-Disposition: attachment` with quotes/backslashes escaped and RFC 5987 for non-ASCII names. */
export function contentDisposition(name: string): string {
  const escaped = name.replace(/[\\"]/g, (m) => `\\${m}`);
  if (/^[\x20-\x7e]*$/.test(name)) return `attachment; filename="${escaped}"`;
  const ascii = escaped.replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Parse a single `bytes=a-b` range; "multi" for several ranges (served as 200), null when absent. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "multi" | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(.+)$/.exec(header.trim());
  if (!m) return null;
  if (m[1].includes(",")) return "multi";
  const r = /^\s*(\d*)-(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === "" && r[2] === "")) return null;
  let start: number;
  let end: number;
  if (r[1] === "") {
    const suffix = Number(r[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(r[1]);
    end = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
    if (r[2] !== "" && Number(r[2]) < start) return null;
  }
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

function rawPathOf(c: Context<AppEnv>): string {
  const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
  const q = raw.indexOf("?");
  return q >= 0 ? raw.slice(0, q) : raw;
}

/** Artifact list and download (SPEC §8.2). */
export function registerArtifactRoutes(app: App, d: ApiDeps): void {
  const list = async (c: Context<AppEnv>) => {
    const id = c.req.param("id") ?? "";
    if (!PROJECT_ID_PATTERN.test(id)) return json(c, 200, { files: [] });
    try {
      return json(c, 200, { files: await listArtifacts(join(d.config.artifactsRoot, id)) });
    } catch {
      throw new ApiError(500, "INTERNAL_ERROR", "failed to list artifacts");
    }
  };
  route(app, "/api/projects/:id/artifacts", { GET: list });
  route(app, "/api/projects/:id/artifacts/*", {
    GET: async (c) => {
      const id = c.req.param("id") ?? "";
      const raw = rawPathOf(c);
      const marker = "/artifacts/";
      const rest = raw.slice(raw.indexOf(marker) + marker.length);
      if (rest === "") return list(c);
      if (!PROJECT_ID_PATTERN.test(id)) throw notFound();
      const rel = safeArtifactPath(rest);
      if (!rel) throw notFound();
      const projectDir = join(d.config.artifactsRoot, id);
      let real: string;
      let rootReal: string;
      try {
        rootReal = await realpath(projectDir);
        real = await realpath(join(projectDir, ...rel.split("/")));
      } catch {
        throw notFound();
      }
      if (!real.startsWith(rootReal + sep)) throw notFound();
      let size: number;
      try {
        const st = await stat(real);
        if (!st.isFile()) throw new Error("not a regular file");
        size = st.size;
      } catch {
        throw new ApiError(500, "INTERNAL_ERROR", "failed to read artifact");
      }
      const name = rel.split("/").pop() ?? rel;
      const range = parseRange(c.req.header("range"), size);
      if (range === "unsatisfiable") {
        throw new ApiError(416, "RANGE_NOT_SATISFIABLE", "range not satisfiable", undefined, undefined, {
          "Content-Range": `bytes */${size}`,
        });
      }
      const part = range && range !== "multi" ? range : { start: 0, end: size - 1 };
      const length = size === 0 ? 0 : part.end - part.start + 1;
      let data: Buffer;
      try {
        const fh = await open(real, "r");
        try {
          data = Buffer.alloc(length);
          if (length > 0) await fh.read(data, 0, length, part.start);
        } finally {
          await fh.close();
        }
      } catch {
        throw new ApiError(500, "INTERNAL_ERROR", "failed to read artifact");
      }
      const headers: Record<string, string> = {
        "Content-Type": "application/octet-stream",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": contentDisposition(name),
        "Accept-Ranges": "bytes",
        "Content-Length": String(length),
        "X-Request-Id": c.get("requestId"),
      };
      if (range && range !== "multi") {
        headers["Content-Range"] = `bytes ${part.start}-${part.end}/${size}`;
        return new Response(data as unknown as BodyInit, { status: 206, headers });
      }
      return new Response(data as unknown as BodyInit, { status: 200, headers });
    },
  });
}
