import { safeName } from "../shared/ids.js";

/** A starter file for a new source repo, path relative to the repo root. */
export interface StarterFile {
  path: string;
  content: string;
}

/** Go version used in `go.mod` when the runtime names none (e.g. runtime `go`). */
export const DEFAULT_GO_VERSION = "1.22";

/** The runtime family: the part of `runtime` before the first `_` or `-` (SPEC §9.4). */
export function runtimeFamily(runtime: string): string {
  return runtime.split(/[_-]/, 1)[0] ?? "";
}

/** The runtime version: what follows the first `_` or `-` ('' when there is none). */
export function runtimeVersion(runtime: string): string {
  const m = /[_-]/.exec(runtime);
  return m ? runtime.slice(m.index + 1) : "";
}

/** Starter files repoBootstrap writes (only if missing) for a runtime family; none for unknown families. */
export function starterFiles(spec: { name: string; runtime: string }): StarterFile[] {
  const greeting = `hello from ${spec.name}`;
  switch (runtimeFamily(spec.runtime)) {
    case "go":
      return [
        { path: "go.mod", content: goMod(safeName(spec.name), runtimeVersion(spec.runtime)) },
        { path: "main.go", content: goMain(greeting) },
      ];
    case "node":
      return [
        { path: "package.json", content: nodePackageJson(safeName(spec.name)) },
        { path: "server.js", content: nodeServer(greeting) },
      ];
    case "python":
      return [{ path: "app.py", content: pythonApp(greeting) }];
    default:
      return [];
  }
}

function goMod(module: string, version: string): string {
  // go.mod accepts only a numeric language version; anything else falls back to a known-good one.
  const goVersion = /^\d+(\.\d+){0,2}$/.test(version) ? version : DEFAULT_GO_VERSION;
  return `module ${module}\n\ngo ${goVersion}\n`;
}

// JSON string literals are valid Go, JavaScript and Python string literals for the text we embed.
function goMain(greeting: string): string {
  return `package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, ${JSON.stringify(greeting)})
	})
	log.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", mux))
}
`;
}

function nodePackageJson(name: string): string {
  const pkg = { name, version: "0.1.0", private: true, main: "server.js", scripts: { start: "node server.js" } };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function nodeServer(greeting: string): string {
  return `"use strict";
const http = require("node:http");

const server = http.createServer((req, res) => {
  const body = req.url === "/healthz" ? "ok\\n" : ${JSON.stringify(`${greeting}\n`)};
  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(body);
});

server.listen(8080, () => console.log("listening on :8080"));
`;
}

function pythonApp(greeting: string): string {
  return `from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\\n" if self.path == "/healthz" else ${JSON.stringify(`${greeting}\n`)}.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print("listening on :8080", flush=True)
    ThreadingHTTPServer(("", 8080), Handler).serve_forever()
`;
}
