#!/usr/bin/env node
// Production build: `node scripts/build.mjs [--server-only | --web-only]`
//
//   server  esbuild bundles cmd/slipway.ts and every dependency into ONE file, dist/slipway.mjs
//           (+ dist/slipway.mjs.map). Nothing else is needed at runtime besides Node 20.
//   web     Vite builds web/ into dist/web/, which the server serves (defaultWebRoot() → dist/web/).
//
// Exits non-zero on any failure.

import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const distDir = path.join(repoRoot, "dist");
const serverEntry = path.join(repoRoot, "cmd", "slipway.ts");
const serverOut = path.join(distDir, "slipway.mjs");
const webConfig = path.join(repoRoot, "web", "vite.config.ts");
const webOut = path.join(distDir, "web");

// ESM output still contains CommonJS dependencies (isomorphic-git, pino, ajv, …) that call require() and
// read __filename/__dirname; the banner gives them real ones. __filename/__dirname are declared under private
// names and wired up with `define` (which only rewrites *free* references), so a bundled ES module that declares
// its own top-level `const __dirname = …` keeps working instead of clashing with the banner. `require` needs no
// such trick: esbuild's __require shim references it, so bundled declarations of `require` get renamed.
const BANNER = [
  'import { createRequire as __slipway_createRequire } from "node:module";',
  'import { fileURLToPath as __slipway_fileURLToPath } from "node:url";',
  'import { dirname as __slipway_pathDirname } from "node:path";',
  "const require = __slipway_createRequire(import.meta.url);",
  "const __slipway_filename = __slipway_fileURLToPath(import.meta.url);",
  "const __slipway_dirname = __slipway_pathDirname(__slipway_filename);",
].join("\n");

function parseArgs(argv) {
  const known = new Set(["--server-only", "--web-only", "--help", "-h"]);
  for (const a of argv) {
    if (!known.has(a)) throw new Error(`unknown argument ${a} (use --server-only or --web-only)`);
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log("usage: node scripts/build.mjs [--server-only | --web-only]");
    process.exit(0);
  }
  const serverOnly = argv.includes("--server-only");
  const webOnly = argv.includes("--web-only");
  if (serverOnly && webOnly) throw new Error("--server-only and --web-only are mutually exclusive");
  return { server: !webOnly, web: !serverOnly };
}

const ms = (start) => `${Math.round(performance.now() - start)} ms`;
const size = (file) => {
  const bytes = statSync(file).size;
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;
};
const rel = (p) => path.relative(repoRoot, p) || ".";

async function buildServer() {
  const start = performance.now();
  if (!existsSync(serverEntry)) throw new Error(`${rel(serverEntry)} does not exist`);
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [serverEntry],
    outfile: serverOut,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    banner: { js: BANNER },
    define: { __filename: "__slipway_filename", __dirname: "__slipway_dirname" },
    // JSON imports are inlined by the default loader; nothing is external — the bundle must stand alone.
    loader: { ".json": "json" },
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  if (result.errors.length > 0) throw new Error("esbuild reported errors");

  // The bundle must be exactly the .mjs and its map: no worker files, no copied assets, no chunks.
  const outputs = Object.keys(result.metafile.outputs).map((o) => path.resolve(repoRoot, o));
  const unexpected = outputs.filter((o) => o !== serverOut && o !== `${serverOut}.map`);
  if (unexpected.length > 0) throw new Error(`bundle produced extra files: ${unexpected.map(rel).join(", ")}`);

  // Every import left in the bundle must be a Node builtin; anything else would need node_modules at runtime.
  // (require() of an unresolvable optional dependency inside try/catch is left as is by esbuild — warn about it.)
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const outMeta = Object.entries(result.metafile.outputs).find(([o]) => path.resolve(repoRoot, o) === serverOut)?.[1];
  const external = [
    ...new Set((outMeta?.imports ?? []).filter((i) => i.external && !builtins.has(i.path)).map((i) => i.path)),
  ].sort();
  if (external.length > 0) {
    console.warn(`  warning: bundle still references non-builtin modules: ${external.join(", ")}`);
  }

  // Parse-check the result (catches e.g. a bundled module redeclaring a banner name).
  const check = spawnSync(process.execPath, ["--check", serverOut], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`node --check ${rel(serverOut)} failed:\n${check.stderr || check.stdout}`);

  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`[build] server: ${rel(serverOut)} (${size(serverOut)}, ${inputs} modules) in ${ms(start)}`);
}

async function buildWeb() {
  const start = performance.now();
  if (!existsSync(webConfig)) throw new Error(`${rel(webConfig)} does not exist`);
  const { build } = await import("vite");
  await build({
    configFile: webConfig,
    mode: "production",
    logLevel: "warn",
  });
  const index = path.join(webOut, "index.html");
  if (!existsSync(index)) throw new Error(`vite finished but ${rel(index)} is missing`);
  console.log(`[build] web: ${rel(webOut)}/ in ${ms(start)}`);
}

async function main() {
  const total = performance.now();
  const which = parseArgs(process.argv.slice(2));
  const phases = [which.server && "server", which.web && "web"].filter(Boolean);
  console.log(`[build] ${phases.join(" + ")} → ${rel(distDir)}/`);
  if (which.server) await buildServer();
  if (which.web) await buildWeb();
  console.log(`[build] done in ${ms(total)}`);
}

main().catch((err) => {
  console.error(`[build] FAILED: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
