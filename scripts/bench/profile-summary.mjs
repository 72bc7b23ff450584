#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" node scripts/bench/pN-….mjs`):
// self and inclusive time per function and self time per source file / npm package, with positions in the bundle
// mapped back to the TypeScript sources through its source map (slipway.mjs.map beside the bundle).
// usage: node scripts/bench/profile-summary.mjs <file.cpuprofile> [top=25]
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/bench/profile-summary.mjs <file.cpuprofile> [top]");
  process.exit(2);
}
const TOP = Number(topArg ?? 25);
const MAP_FALLBACK = process.env.PROFILE_MAP ?? fileURLToPath(new URL("../../dist/slipway.mjs.map", import.meta.url));
const prof = JSON.parse(readFileSync(file, "utf8"));
// source-map-js comes with the build tooling (vite); without it, positions stay in the bundle.
const SourceMapConsumer = await import("source-map-js").then(
  (m) => m.SourceMapConsumer,
  () => null,
);
const consumers = new Map();
function consumer(url) {
  if (!url.startsWith("file://")) return null;
  if (!consumers.has(url)) {
    // The benchmarks run a temp copy of dist/slipway.mjs that is gone by now: fall back to dist/'s map (same build).
    let map = `${fileURLToPath(url)}.map`;
    if (!existsSync(map) && url.endsWith("/slipway.mjs")) map = MAP_FALLBACK;
    consumers.set(
      url,
      SourceMapConsumer && existsSync(map) ? new SourceMapConsumer(JSON.parse(readFileSync(map, "utf8"))) : null,
    );
  }
  return consumers.get(url);
}
function where(cf) {
  const c = consumer(cf.url);
  if (!c) return { source: cf.url || `(${cf.functionName || "native"})`, name: cf.functionName || "(anonymous)" };
  const pos = c.originalPositionFor({ line: cf.lineNumber + 1, column: cf.columnNumber });
  const source = (pos.source ?? cf.url).replace(/^(\.\.\/)+/, "");
  return { source: `${source}:${pos.line ?? "?"}`, file: source, name: cf.functionName || pos.name || "(anonymous)" };
}

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++)
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const totalUs = [...self.values()].reduce((a, b) => a + b, 0);

const fnSelf = new Map();
const fnIncl = new Map();
const fileSelf = new Map();
const label = new Map();
for (const n of prof.nodes) {
  const w = where(n.callFrame);
  label.set(n.id, { key: `${w.name} ${w.source}`, file: w.file ?? w.source });
}
function pkg(f) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
  if (m) return m[1];
  if (/^\(/.test(f)) return f;
  return f.split("/").slice(0, 2).join("/");
}
for (const [id, us] of self) {
  const l = label.get(id);
  fnSelf.set(l.key, (fnSelf.get(l.key) ?? 0) + us);
  const p = pkg(l.file);
  fileSelf.set(p, (fileSelf.get(p) ?? 0) + us);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label.get(cur).key;
    if (seen.has(k)) continue;
    seen.add(k);
    fnIncl.set(k, (fnIncl.get(k) ?? 0) + us);
  }
}
const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const show = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled`);
show("self time by package / source dir", fileSelf);
show("self time by function", fnSelf);
show("inclusive time by function", fnIncl);
void byId;
