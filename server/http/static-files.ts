import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A static file ready to send. */
export interface StaticFile {
  body: Uint8Array;
  contentType: string;
}

/** Serves the built web UI: `/` and `/index.html`, plus everything under `/assets/`. */
export interface StaticFiles {
  /** The file for a request path, or null when the path is not a UI file (or is unsafe). */
  lookup(urlPath: string): Promise<StaticFile | null>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The content type for a file name (by extension); unknown extensions are opaque bytes. */
export function contentTypeFor(fileName: string): string {
  return CONTENT_TYPES[path.extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Where the built UI lives when running from the bundle: `dist/slipway.mjs` → `dist/web/`.
 * (Only meaningful in the bundle; tests and dev servers pass their own root.)
 */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL("./web/", import.meta.url));
}

/**
 * The path segments (relative to rootDir) a request path maps to, or null when it maps to nothing we serve.
 * Rejects traversal (`..`, `.`), empty segments, dotfiles, NUL, backslashes and malformed percent-encoding,
 * both before and after decoding.
 */
function mapPath(urlPath: string): string[] | null {
  // Tolerate a query string or fragment; they never select a different file.
  const cut = urlPath.search(/[?#]/);
  const raw = cut === -1 ? urlPath : urlPath.slice(0, cut);
  if (!raw.startsWith("/")) return null;

  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  for (const p of [raw, decoded]) {
    if (p.includes("\0") || p.includes("\\")) return null;
  }

  if (decoded === "/" || decoded === "/index.html") return ["index.html"];

  if (!decoded.startsWith("/assets/")) return null;
  const segments = decoded.slice("/assets/".length).split("/");
  for (const seg of segments) {
    // "" rejects `//` and a trailing slash; leading dots reject `.`, `..` and hidden files.
    if (seg === "" || seg.startsWith(".") || seg.includes("%")) return null;
  }
  return ["assets", ...segments];
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "ELOOP" || code === "ENAMETOOLONG";
}

/**
 * Static file lookup for the built web UI under rootDir. Files are read once and kept in memory
 * (the build output is immutable while the process runs); misses are not cached.
 */
export function createStaticFiles(rootDir: string): StaticFiles {
  const root = path.resolve(rootDir);
  const cache = new Map<string, StaticFile>();
  let realRoot: string | null = null;

  async function load(file: string): Promise<StaticFile | null> {
    try {
      // Symlinks must not lead out of the root either. (The root may not exist until the UI is built.)
      realRoot ??= await realpath(root);
      const fileReal = await realpath(file);
      if (!isInside(realRoot, fileReal)) return null;
      const st = await stat(fileReal);
      if (!st.isFile()) return null;
      const body = await readFile(fileReal);
      return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), contentType: contentTypeFor(file) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  return {
    async lookup(urlPath: string): Promise<StaticFile | null> {
      const segments = mapPath(urlPath);
      if (!segments) return null;
      const file = path.resolve(root, ...segments);
      if (!isInside(root, file)) return null;

      const hit = cache.get(file);
      if (hit) return hit;
      const loaded = await load(file);
      if (loaded) cache.set(file, loaded);
      return loaded;
    },
  };
}
