// The SSE writer's flow control (SPEC §5.1: "a slow client is fed from the stream at its own pace") against a real
// nats-server and real sockets: streamOpEvents behind @hono/node-server on port 0, an op whose stored events are
// far larger than a socket buffer. A client that stops reading holds at most one frame beyond the response's
// buffer and is cut after a few blocked heartbeats; a slow client still gets every event once, in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { createAdaptorServer } from "@hono/node-server";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { provisionJetStream } from "../../server/broker/index.js";
import { OpEventStore, type StoredOp } from "../../server/store/index.js";
import { OpEventHub } from "../../server/api/op-event-hub.js";
import { streamOpEvents } from "../../server/api/op-events-sse.js";
import type { ApiDeps } from "../../server/api/deps.js";
import type { AppEnv } from "../../server/http/index.js";
import { newId32, nowIso, ZERO_TIME } from "../../workers/shared/ids.js";
import { quiet, startTestBroker, type TestBroker } from "../support/nats.js";

const EVENTS = 160;
const MESSAGE = "x".repeat(48 * 1024); // each frame ≈ 48 KiB: 160 of them ≈ 7.7 MiB

let broker: TestBroker;
let nc: NatsConnection;
let store: OpEventStore;
let hub: OpEventHub;
let server: http.Server;
let port = 0;
/** The open streams (deps.sseStreams); `emptied` resolves when the last one closed. */
let sseStreams: Set<() => void>;
let emptied: { promise: Promise<void>; resolve: () => void } | null = null;
/** Largest bytes a response had buffered (beyond the socket) after a write, per op. */
const maxBuffered = new Map<string, number>();
const heartbeatMs = new Map<string, number>();

function opOf(id: string): StoredOp {
  return {
    id,
    kind: "update",
    project_id: "bp",
    requested: nowIso(),
    finished: ZERO_TIME,
    status: "running",
    steps: [],
    input: { spec: {} as never, request_id: "t", remote_addr: "", actor: "anonymous" },
  } as StoredOp;
}

/** Store EVENTS big events for a new op; the last one terminal when `terminal`. */
async function bigOp(terminal: boolean): Promise<string> {
  const opId = newId32();
  store.expectNew(opId);
  for (let i = 1; i <= EVENTS; i++) {
    const name = terminal && i === EVENTS ? "op.completed" : "step.progress";
    await store.publish(name, {
      op_id: opId,
      project_id: "bp",
      kind: "update",
      status: "running",
      at: nowIso(),
      total_steps: 4,
      delivery: {},
      message: `${i} ${MESSAGE}`,
    });
  }
  return opId;
}

beforeAll(async () => {
  broker = await startTestBroker("sse-bp");
  nc = await connect({ servers: broker.url });
  const h = await provisionJetStream(nc, 1);
  store = new OpEventStore(nc, h.js, h.jsm);
  hub = new OpEventHub(store);
  sseStreams = new (class extends Set<() => void> {
    override delete(v: () => void): boolean {
      const had = super.delete(v);
      if (had && this.size === 0) emptied?.resolve();
      return had;
    }
  })();
  const app = new Hono<AppEnv>();
  app.get("/ops/:id/events", (c) => {
    c.set("requestId", "t");
    const id = c.req.param("id");
    // Watch what the response buffers: the writer must stop taking events when the client does not read.
    const res = c.env.outgoing as ServerResponse;
    const write = res.write.bind(res) as (chunk: Buffer) => boolean;
    res.write = ((chunk: Buffer) => {
      const ok = write(chunk);
      maxBuffered.set(id, Math.max(maxBuffered.get(id) ?? 0, res.writableLength));
      return ok;
    }) as typeof res.write;
    const deps = {
      eventHub: hub,
      sseStreams,
      config: { sseHeartbeatMs: heartbeatMs.get(id) ?? 10_000 },
      log: quiet,
    } as unknown as ApiDeps;
    return streamOpEvents(c, deps, opOf(id));
  });
  server = createAdaptorServer({ fetch: app.fetch }) as http.Server;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await nc?.drain();
  await broker?.stop();
});

function untilEmpty(): Promise<void> {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  emptied = { promise, resolve };
  return promise;
}

describe("SSE flow control", () => {
  it("stops taking events for a client that does not read, then cuts it after blocked heartbeats", async () => {
    const opId = await bigOp(false);
    heartbeatMs.set(opId, 100);
    const closed = untilEmpty();
    // A raw client that reads the response head, then never reads again.
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`GET /ops/${opId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: 0\r\n\r\n`);
    const head = await new Promise<string>((resolve) => socket.once("data", (b: Buffer) => resolve(b.toString())));
    socket.pause();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(sseStreams.size).toBe(1);
    // The server gives up on it (≥ 3 heartbeats without a drain) and lets go of the op's feed.
    await closed;
    expect(hub.size).toBe(0);
    // It never buffered more than the response's high-water mark plus the one frame that crossed it, far below
    // the ≈ 7.7 MiB the op's events would take.
    const frame = MESSAGE.length + 400;
    expect(maxBuffered.get(opId)).toBeLessThanOrEqual(16 * 1024 + frame);
    socket.destroy();
  });

  it("feeds a slow reader every event once, in order, and ends after the terminal event", async () => {
    const opId = await bigOp(true);
    heartbeatMs.set(opId, 2_000);
    const ids: number[] = [];
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get(
        { host: "127.0.0.1", port, path: `/ops/${opId}/events`, headers: { "Last-Event-ID": "0" } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (s: string) => {
            text += s;
            // Read slower than the server writes: pause after every chunk, resume on the next turn of the loop.
            res.pause();
            setImmediate(() => res.resume());
          });
          res.on("end", () => resolve(text));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
    });
    for (const m of body.matchAll(/^id: (\d+)$/gm)) ids.push(Number(m[1]));
    expect(ids).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    // The terminal event is the last frame: the server ended the response after it.
    expect(body.trimEnd().split("\n\n").at(-1)).toMatch(new RegExp(`^id: ${EVENTS}\nevent: op.completed\n`));
    expect(maxBuffered.get(opId)).toBeLessThanOrEqual(16 * 1024 + MESSAGE.length + 400);
  });

  it("ends a snapshot stream at the stored terminal event even when the op record read before it says running", async () => {
    // opOf() says "running": the op finished between the record read and the feed's first read (SPEC §5.1).
    const opId = await bigOp(true);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: `/ops/${opId}/events` }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (s: string) => (text += s));
        res.on("end", () => resolve(text));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    const frames = body.trimEnd().split("\n\n");
    expect(frames.map((f) => /^(?:id: \d+\n)?event: (\S+)/.exec(f)?.[1] ?? f.split("\n")[0])).toEqual([
      "retry: 2000",
      "op.bootstrap",
      "op.completed",
    ]);
    expect(frames.at(-1)).toMatch(new RegExp(`^id: ${EVENTS}\nevent: op.completed\n`));
  });
});
