import { runtimeFamily, runtimeVersion } from "../repo-bootstrap/index.js";

/** The Dockerfile generated from the runtime family when the repo has none (SPEC §9.4). */
export function generateDockerfile(spec: { name: string; runtime: string }, baseImage: string): string {
  const version = runtimeVersion(spec.runtime);
  switch (runtimeFamily(spec.runtime)) {
    case "go":
      return [
        `FROM golang:${version || "1"}-alpine AS build`,
        "WORKDIR /src",
        "COPY . .",
        "RUN CGO_ENABLED=0 go build -o /out/app .",
        "",
        `FROM ${baseImage}`,
        "COPY --from=build /out/app /app",
        "EXPOSE 8080",
        'CMD ["/app"]',
        "",
      ].join("\n");
    case "node":
      return [
        `FROM node:${version || "lts"}-alpine`,
        "WORKDIR /app",
        "COPY . .",
        "RUN if [ -f package-lock.json ]; then npm ci --omit=dev; fi",
        "EXPOSE 8080",
        'CMD ["node","server.js"]',
        "",
      ].join("\n");
    case "python":
      return [
        `FROM python:${version || "3"}-slim`,
        "WORKDIR /app",
        "COPY . .",
        "RUN if [ -f requirements.txt ]; then pip install --no-cache-dir -r requirements.txt; fi",
        "EXPOSE 8080",
        'CMD ["python","app.py"]',
        "",
      ].join("\n");
    default:
      return [
        `FROM ${baseImage}`,
        "WORKDIR /app",
        "COPY . .",
        `CMD ["sh","-c",${JSON.stringify(`echo running ${spec.name} (${spec.runtime}) && sleep infinity`)}]`,
        "",
      ].join("\n");
  }
}
