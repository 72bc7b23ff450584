// P1 baseline: a bare Hono app on @hono/node-server serving the same JSON bytes as Slipway's GET /api/projects.
// usage: node hono-json.mjs <body-file>   (prints `LISTEN <port>`)
import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const body = readFileSync(process.argv[2]);
const app = new Hono();
app.get("/api/projects", () => new Response(body, { headers: { "Content-Type": "application/json" } }));
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`LISTEN ${info.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
