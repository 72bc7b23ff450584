// P4 baseline: a bare Hono SSE broadcaster. GET /events sends `retry: 2000` and an `op.bootstrap` frame, then
// every frame POSTed to /burst (a JSON array of {event, payload}), stamped with `at` and the next `sequence`, to
// every open stream; a terminal event (`op.completed`) ends all streams. GET /stats → {clients}.
// usage: node hono-sse.mjs   (prints `LISTEN <port>`)
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";

const clients = new Set();
let sequence = 0;
const app = new Hono();

app.get("/events", (c) =>
  streamSSE(c, async (stream) => {
    let end;
    const ended = new Promise((r) => (end = r));
    const client = { stream, end };
    clients.add(client);
    stream.onAbort(() => end());
    await stream.write("retry: 2000\n\n");
    await stream.writeSSE({
      event: "op.bootstrap",
      data: JSON.stringify({ event_id: "bootstrap", sequence, message: "operation snapshot" }),
    });
    await ended;
    clients.delete(client);
  }),
);

app.post("/burst", async (c) => {
  const frames = await c.req.json();
  for (const f of frames) {
    sequence++;
    const payload = { ...f.payload, at: new Date().toISOString(), sequence, event_id: String(sequence) };
    const data = JSON.stringify(payload);
    const terminal = f.event === "op.completed" || f.event === "op.failed";
    for (const cl of [...clients]) {
      void cl.stream.writeSSE({ id: String(sequence), event: f.event, data }).then(() => terminal && cl.end());
    }
  }
  return c.json({ sequence, clients: clients.size });
});

app.get("/stats", (c) => c.json({ clients: clients.size, sequence }));

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
  process.stdout.write(`LISTEN ${info.port}\n`);
});
process.on("SIGTERM", () => {
  for (const cl of clients) cl.end();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
