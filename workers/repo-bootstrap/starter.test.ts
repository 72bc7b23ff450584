import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_GO_VERSION, runtimeFamily, runtimeVersion, starterFiles } from "./index.js";

const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-starter-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const paths = (runtime: string) => starterFiles({ name: "demo", runtime }).map((f) => f.path);
const content = (runtime: string, path: string, name = "demo") =>
  starterFiles({ name, runtime }).find((f) => f.path === path)?.content ?? "";

describe("runtime family and version", () => {
  it("splits at the first _ or -", () => {
    expect([runtimeFamily("go_1.26"), runtimeVersion("go_1.26")]).toEqual(["go", "1.26"]);
    expect([runtimeFamily("node-22"), runtimeVersion("node-22")]).toEqual(["node", "22"]);
    expect([runtimeFamily("python_3-14"), runtimeVersion("python_3-14")]).toEqual(["python", "3-14"]);
    expect([runtimeFamily("go"), runtimeVersion("go")]).toEqual(["go", ""]);
  });
});

describe("starterFiles", () => {
  it("picks files by family", () => {
    expect(paths("go_1.26")).toEqual(["go.mod", "main.go"]);
    expect(paths("node_22")).toEqual(["package.json", "server.js"]);
    expect(paths("python_3.14")).toEqual(["app.py"]);
    expect(paths("rust_1.80")).toEqual([]);
    expect(paths("golang_1.26")).toEqual([]);
  });

  it("names the go module after safeName and takes the go version from the runtime", () => {
    expect(content("go_1.26", "go.mod", "my-app")).toBe("module my-app\n\ngo 1.26\n");
    expect(content("go", "go.mod")).toBe(`module demo\n\ngo ${DEFAULT_GO_VERSION}\n`);
    expect(content("go_alpine", "go.mod")).toBe(`module demo\n\ngo ${DEFAULT_GO_VERSION}\n`);
    const main = content("go_1.26", "main.go");
    expect(main).toContain('"hello from demo"');
    expect(main).toContain('"/healthz"');
    expect(main).toContain('":8080"');
  });

  it("writes a node server that parses, with a matching package.json", async () => {
    expect(JSON.parse(content("node_22", "package.json"))).toMatchObject({ name: "demo", main: "server.js" });
    const server = content("node_22", "server.js");
    expect(server).toContain("hello from demo");
    await writeFile(join(dir, "server.js"), server);
    await run(process.execPath, ["--check", join(dir, "server.js")]);
  });

  it("writes a stdlib-only python app that compiles", async () => {
    const app = content("python_3.14", "app.py");
    expect(app).toContain("hello from demo");
    expect(app).toContain('"/healthz"');
    await writeFile(join(dir, "app.py"), app);
    await run("python3", ["-m", "py_compile", join(dir, "app.py")]);
  });
});
