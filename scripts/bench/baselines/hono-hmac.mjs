// P3 baseline: a bare Hono POST handler doing the same HMAC-SHA256 check as Slipway's webhook (SPEC §6.1):
// raw body, `X-Paas-Signature-256: sha256=<hex>`, constant-time compare, JSON parse, 202.
// usage: node hono-hmac.mjs <secret>   (prints `LISTEN <port>`)
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const secret = process.argv[2];
const digest = (s) => createHash("sha256").update(s).digest();
const app = new Hono();
app.post("/api/webhooks/source", async (c) => {
  const raw = new Uint8Array(await c.req.arrayBuffer());
  const sig = c.req.header("x-paas-signature-256") ?? "";
  const want = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  if (!timingSafeEqual(digest(want), digest(sig.trim()))) return c.json({ error: "invalid signature" }, 401);
  const body = JSON.parse(new TextDecoder().decode(raw));
  return c.json({ accepted: false, reason: "ignored: commit already processed", project: body.project_id }, 202);
});
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`LISTEN ${info.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
