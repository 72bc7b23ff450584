import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DESIGN §1: the UI imports only *types* from the API layer. A value import of server/ or workers/ code would pull
// it (and its Node dependencies) into the browser bundle; `import type` / `export type` are erased at build time.
const SRC = fileURLToPath(new URL(".", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every `import …`/`export … from` statement that names a module outside web/. */
function serverImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const statements = text.match(/^(?:import|export)\b[^;]*?\bfrom\s+"(?:\.\.\/)+(?:server|workers)\/[^"]*";/gms);
  return statements ?? [];
}

describe("web/src and the server", () => {
  const files = sources(SRC).filter((f) => !f.endsWith(".test.ts"));

  it("reaches server/ and workers/ only through type-only imports", () => {
    const offending = files.flatMap((f) =>
      serverImports(f)
        .filter((s) => !/^(?:import|export)\s+type\b/.test(s))
        .map((s) => `${relative(SRC, f)}: ${s.replace(/\s+/g, " ")}`),
    );
    expect(offending).toEqual([]);
  });

  it("takes the shared records from the server's types (types.ts)", () => {
    const found = serverImports(join(SRC, "types.ts")).join("\n");
    for (const name of ["Operation", "OpEvent", "Project", "Journey", "NextAction", "ReleaseRecord"])
      expect(found).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
