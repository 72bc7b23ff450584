import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentTypeFor, createStaticFiles, defaultWebRoot, type StaticFiles } from "./static-files.js";

let base: string;
let root: string;
let files: StaticFiles;

const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("utf8") : undefined);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), "slipway-static-"));
  root = path.join(base, "web");
  await mkdir(path.join(root, "assets", "nested"), { recursive: true });
  await writeFile(path.join(root, "index.html"), "<!doctype html><title>Slipway</title>");
  await writeFile(path.join(root, "other.html"), "not served");
  await writeFile(path.join(base, "secret.txt"), "TOP SECRET");
  await writeFile(path.join(base, "web-evil.txt"), "SIBLING SECRET");
  const assets: Record<string, string> = {
    "index-abc123.js": "console.log(1)",
    "index-abc123.js.map": "{}",
    "index-abc123.css": "body{}",
    "logo.svg": "<svg/>",
    "logo.png": "png",
    "favicon.ico": "ico",
    "data.json": "{}",
    "font.woff2": "woff2",
    "blob.bin": "bin",
    ".hidden": "hidden",
  };
  for (const [name, body] of Object.entries(assets)) await writeFile(path.join(root, "assets", name), body);
  await writeFile(path.join(root, "assets", "nested", "deep.js"), "deep");
  await symlink(path.join(base, "secret.txt"), path.join(root, "assets", "escape.txt"));
  files = createStaticFiles(root);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("createStaticFiles", () => {
  it("serves index.html for / and /index.html", async () => {
    for (const p of ["/", "/index.html", "/?x=1"]) {
      const f = await files.lookup(p);
      expect(f, p).not.toBeNull();
      expect(f!.contentType).toBe("text/html; charset=utf-8");
      expect(text(f!.body)).toContain("<title>Slipway</title>");
    }
  });

  it("serves files under /assets/ with the right content type", async () => {
    const cases: Record<string, string> = {
      "index-abc123.js": "text/javascript; charset=utf-8",
      "index-abc123.js.map": "application/json; charset=utf-8",
      "index-abc123.css": "text/css; charset=utf-8",
      "logo.svg": "image/svg+xml",
      "logo.png": "image/png",
      "favicon.ico": "image/x-icon",
      "data.json": "application/json; charset=utf-8",
      "font.woff2": "font/woff2",
      "blob.bin": "application/octet-stream",
    };
    for (const [name, type] of Object.entries(cases)) {
      const f = await files.lookup(`/assets/${name}`);
      expect(f, name).not.toBeNull();
      expect(f!.contentType, name).toBe(type);
      expect(f!.body).toBeInstanceOf(Uint8Array);
    }
    expect(text((await files.lookup("/assets/index-abc123.js"))?.body)).toBe("console.log(1)");
    expect(text((await files.lookup("/assets/nested/deep.js"))?.body)).toBe("deep");
    expect(text((await files.lookup("/assets/index-abc123.css?v=2"))?.body)).toBe("body{}");
  });

  it("returns null for anything that is not the index or an asset", async () => {
    for (const p of [
      "",
      "index.html",
      "/other.html",
      "/index.htm",
      "/api/projects",
      "/assets",
      "/assets/",
      "/assets/missing.js",
      "/assets/nested",
      "/assets/nested/",
      "/assets//index-abc123.js",
      "/assets/.hidden",
      "/favicon.ico",
    ]) {
      expect(await files.lookup(p), p).toBeNull();
    }
  });

  it("rejects traversal attempts, raw and encoded", async () => {
    for (const p of [
      "/assets/../../etc/passwd",
      "/assets/../index.html",
      "/assets/../../secret.txt",
      "/assets/./index-abc123.js",
      "/assets/%2e%2e/%2e%2e/etc/passwd",
      "/assets/%2E%2E/%2E%2E/secret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
      "/assets/%252e%252e/%252e%252e/secret.txt",
      "/assets/..%5c..%5csecret.txt",
      "/assets/..\\..\\secret.txt",
      "/assets\\..\\..\\secret.txt",
      "/assets/index-abc123.js%00.png",
      "/assets/index-abc123.js\0",
      "/assets/%E0%A4%A",
      "/../secret.txt",
      "/..%2fsecret.txt",
      "//etc/passwd",
      "/assets//etc/passwd",
      "/assets/%2fetc%2fpasswd",
      "/assets/escape.txt",
      "/assets/../../web-evil.txt",
    ]) {
      expect(await files.lookup(p), JSON.stringify(p)).toBeNull();
    }
  });

  it("caches files in memory after the first read", async () => {
    const fresh = createStaticFiles(root);
    const name = path.join(root, "assets", "cached.js");
    await writeFile(name, "v1");
    expect(text((await fresh.lookup("/assets/cached.js"))?.body)).toBe("v1");
    await writeFile(name, "v2");
    expect(text((await fresh.lookup("/assets/cached.js"))?.body)).toBe("v1");
    await rm(name);
    expect(text((await fresh.lookup("/assets/cached.js"))?.body)).toBe("v1");
  });

  it("does not cache misses, and copes with a root that appears later", async () => {
    const later = path.join(base, "later");
    const lazy = createStaticFiles(later);
    expect(await lazy.lookup("/")).toBeNull();
    await mkdir(later);
    await writeFile(path.join(later, "index.html"), "now here");
    expect(text((await lazy.lookup("/"))?.body)).toBe("now here");
  });
});

describe("helpers", () => {
  it("contentTypeFor is case-insensitive on the extension", () => {
    expect(contentTypeFor("A.HTML")).toBe("text/html; charset=utf-8");
    expect(contentTypeFor("noext")).toBe("application/octet-stream");
  });

  it("defaultWebRoot is the web/ directory next to the module", () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    expect(path.resolve(defaultWebRoot())).toBe(path.join(here, "web"));
  });
});
