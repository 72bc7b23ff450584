import { describe, expect, it } from "vitest";
import { generateDockerfile } from "./dockerfile.js";

const BASE = "alpine:3.20";
const lines = (df: string) => df.split("\n");
const froms = (df: string) => lines(df).filter((l) => l.startsWith("FROM "));

describe("generateDockerfile (SPEC §9.4)", () => {
  it("go: two stages, golang:<version>-alpine builds /out/app with CGO_ENABLED=0, final stage is the base image", () => {
    const df = generateDockerfile({ name: "demo", runtime: "go_1.22" }, BASE);
    const f = froms(df);
    expect(f).toHaveLength(2);
    expect(f[0]).toMatch(/^FROM golang:1\.22-alpine( AS \w+)?$/);
    expect(f[1]).toBe(`FROM ${BASE}`);
    const buildLine = lines(df).find((l) => l.startsWith("RUN ") && l.includes("go build"));
    expect(buildLine).toBeDefined();
    expect(buildLine).toContain("CGO_ENABLED=0");
    expect(buildLine).toContain("/out/app");
    const final = df.slice(df.lastIndexOf("FROM "));
    expect(final).toMatch(/COPY --from=\S+ \/out\/app /);
    expect(final).toContain("EXPOSE 8080");
    expect(final).toMatch(/^(CMD|ENTRYPOINT) /m);
  });

  it("go: the final stage uses the configured base image", () => {
    const df = generateDockerfile({ name: "demo", runtime: "go-1.23" }, "busybox:1.36");
    expect(froms(df)[0]).toMatch(/^FROM golang:1\.23-alpine/);
    expect(froms(df)[1]).toBe("FROM busybox:1.36");
  });

  it("node: node:<version>-alpine, npm ci --omit=dev only with a lockfile, EXPOSE 8080, node server.js", () => {
    const df = generateDockerfile({ name: "demo", runtime: "node_20" }, BASE);
    expect(froms(df)).toEqual(["FROM node:20-alpine"]);
    const npm = lines(df).find((l) => l.includes("npm ci --omit=dev"));
    expect(npm).toBeDefined();
    expect(npm).toMatch(/package-lock\.json/);
    expect(lines(df)).toContain("EXPOSE 8080");
    expect(lines(df)).toContain('CMD ["node","server.js"]');
    expect(df).not.toContain(BASE);
  });

  it("python: python:<version>-slim, pip install -r requirements.txt when present, EXPOSE 8080, python app.py", () => {
    const df = generateDockerfile({ name: "demo", runtime: "python_3.12" }, BASE);
    expect(froms(df)).toEqual(["FROM python:3.12-slim"]);
    const pip = lines(df).find((l) => l.includes("pip install"));
    expect(pip).toBeDefined();
    expect(pip).toContain("-r requirements.txt");
    expect(pip).toMatch(/-f requirements\.txt/);
    expect(lines(df)).toContain("EXPOSE 8080");
    expect(lines(df)).toContain('CMD ["python","app.py"]');
  });

  it("the version is everything after the first _ or -", () => {
    expect(froms(generateDockerfile({ name: "d", runtime: "python-3.12-1" }, BASE))).toEqual([
      "FROM python:3.12-1-slim",
    ]);
    expect(froms(generateDockerfile({ name: "d", runtime: "node-22" }, BASE))).toEqual(["FROM node:22-alpine"]);
  });

  it("other: FROM base image, WORKDIR /app, COPY . ., CMD echo running <name> (<runtime>) && sleep infinity", () => {
    const df = generateDockerfile({ name: "demo", runtime: "rust_1.80" }, BASE);
    expect(lines(df).filter((l) => l !== "")).toEqual([
      `FROM ${BASE}`,
      "WORKDIR /app",
      "COPY . .",
      'CMD ["sh","-c","echo running demo (rust_1.80) && sleep infinity"]',
    ]);
  });

  it("other: uses the configured base image and the runtime as given", () => {
    const df = generateDockerfile({ name: "static-site", runtime: "static" }, "busybox:1.36");
    expect(froms(df)).toEqual(["FROM busybox:1.36"]);
    expect(df).toContain('CMD ["sh","-c","echo running static-site (static) && sleep infinity"]');
  });

  it("other: the CMD stays valid JSON for names with quotes", () => {
    const df = generateDockerfile({ name: 'my "app"', runtime: "ruby_3" }, BASE);
    const cmd = lines(df).find((l) => l.startsWith("CMD "));
    expect(JSON.parse((cmd as string).slice(4))).toEqual([
      "sh",
      "-c",
      'echo running my "app" (ruby_3) && sleep infinity',
    ]);
  });

  it("every family ends with a newline", () => {
    for (const runtime of ["go_1.22", "node_20", "python_3.12", "java_21"]) {
      expect(generateDockerfile({ name: "demo", runtime }, BASE).endsWith("\n"), runtime).toBe(true);
    }
  });
});
