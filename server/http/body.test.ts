// readRawBody over real HTTP (SPEC §0.6 step 5): the body is read from the Node request itself, with the 1 MiB
// limit, the bounded drain that lets the client read its 413 on a reusable connection, and `Connection: close`
// when the body is too large to drain; the web `Request` body is the fallback outside @hono/node-server.
import { createHash } from "node:crypto";
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, route, type App } from "./app.js";
import { Authenticator } from "./auth.js";
import { readRawBody, BODY_LIMIT } from "./body.js";
import { json } from "./respond.js";
import { startHttpServer, type HttpServer } from "./server.js";

const MIB = 1_048_576;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let app: App;
let server: HttpServer;
/** What readRawBody gave (an error, or "read N bytes" on /late), per request id (`X-Request-Id` the test sets). */
const outcomes = new Map<string, (outcome: unknown) => void>();

beforeAll(async () => {
  app = createApp({ auth: new Authenticator(undefined, []), log: { info() {}, error() {} } });
  route(app, "/echo", {
    POST: async (c) => {
      try {
        const raw = await readRawBody(c);
        return json(c, 200, { size: raw.byteLength, sha: sha(raw) });
      } catch (err) {
        outcomes.get(c.get("requestId"))?.(err);
        throw err;
      }
    },
  });
  // Reads the body only after the connection is gone (a handler slow to get to it).
  route(app, "/late", {
    POST: async (c) => {
      const incoming = c.env.incoming;
      if (!incoming.destroyed) await new Promise((resolve) => incoming.once("close", resolve));
      try {
        const raw = await readRawBody(c);
        outcomes.get(c.get("requestId"))?.(`read ${raw.byteLength} bytes`);
        return json(c, 200, {});
      } catch (err) {
        outcomes.get(c.get("requestId"))?.(err);
        throw err;
      }
    },
  });
  server = await startHttpServer(app, "127.0.0.1", 0);
});

afterAll(async () => {
  await server?.close();
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POST `body` (one write, or 64 KiB chunks with chunked encoding) and read the whole answer. */
function post(body: Buffer, opts: { chunked?: boolean; agent?: Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: server.port,
        method: "POST",
        path: "/echo",
        agent: opts.agent ?? false,
        headers: opts.chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": body.byteLength },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    // The server may answer (413) and close before the whole body is sent: that is not a failure here.
    req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" ? undefined : reject(err)));
    if (!opts.chunked) return void req.end(body);
    for (let off = 0; off < body.byteLength; off += 65_536) req.write(body.subarray(off, off + 65_536));
    req.end();
  });
}

describe("readRawBody from the Node request", () => {
  it("returns the exact bytes, with Content-Length and chunked", async () => {
    const body = Buffer.from(JSON.stringify({ hello: "wörld", n: [1, 2, 3] }));
    for (const chunked of [false, true]) {
      const r = await post(body, { chunked });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ size: body.byteLength, sha: sha(body) });
    }
    const big = Buffer.alloc(300_000, 0x61); // several socket reads
    expect(JSON.parse((await post(big, { chunked: true })).body)).toEqual({ size: big.byteLength, sha: sha(big) });
  });

  it("accepts exactly 1 MiB", async () => {
    const body = Buffer.alloc(BODY_LIMIT, 0x20);
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).size).toBe(MIB);
  });

  it("answers 413 to 1 MiB + 1 byte (declared or chunked) and keeps the connection usable", async () => {
    const over = Buffer.alloc(BODY_LIMIT + 1, 0x20);
    for (const chunked of [false, true]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const r = await post(over, { chunked, agent });
        expect(r.status).toBe(413);
        expect(JSON.parse(r.body).error).toEqual({
          code: "PAYLOAD_TOO_LARGE",
          message: "request body exceeds 1048576 bytes",
        });
        expect(r.headers.connection).not.toBe("close");
        // The body was drained: the same socket serves the next request.
        const next = await post(Buffer.from("{}"), { agent });
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
      }
    }
  });

  it("drains a 4 MiB chunked body before its 413", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const r = await post(Buffer.alloc(4 * MIB, 0x20), { chunked: true, agent });
      expect(r.status).toBe(413);
      expect(r.headers.connection).not.toBe("close");
      expect((await post(Buffer.from("{}"), { agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("stops reading past 16 MiB and closes the connection after the 413", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const r = await post(Buffer.alloc(17 * MIB, 0x20), { chunked: true, agent });
      expect(r.status).toBe(413);
      expect(r.headers.connection).toBe("close");
    } finally {
      agent.destroy();
    }
  });

  it("refuses a declared length over 16 MiB at once, without reading the body", async () => {
    const socket = connect(server.port, "127.0.0.1");
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d) => (text += d.toString()));
      socket.on("close", () => resolve(text));
    });
    socket.write(`POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${20 * MIB}\r\n\r\n${"x".repeat(1000)}`);
    const text = await answer; // the server closes the connection after answering
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });

  it("treats a body cut off by the client as malformed (400 INVALID_JSON), not a server error", async () => {
    const failed = new Promise<unknown>((resolve) => outcomes.set("cut-off", resolve));
    const socket = connect(server.port, "127.0.0.1");
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: cut-off\r\nContent-Length: 1000\r\n\r\n{"partial":',
    );
    // The client gives up half-way: the handler may be waiting for the rest of the body or not have started.
    socket.end();
    const err = await failed;
    expect(err).toMatchObject({ status: 400, code: "INVALID_JSON" });
    socket.destroy();
  });

  it("does not wait forever for a body whose connection closed before the handler read it", async () => {
    const failed = new Promise<unknown>((resolve) => outcomes.set("late", resolve));
    const socket = connect(server.port, "127.0.0.1");
    socket.end(
      'POST /late HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: late\r\nContent-Length: 1000\r\n\r\n{"partial":',
    );
    expect(await failed).toMatchObject({ status: 400, code: "INVALID_JSON" });
    socket.destroy();
  });
});

describe("readRawBody after the client left", () => {
  it("still reads a body that arrived whole before the connection closed", async () => {
    const read = new Promise<unknown>((resolve) => outcomes.set("whole", resolve));
    const socket = connect(server.port, "127.0.0.1");
    socket.write(
      'POST /late HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: whole\r\nContent-Length: 11\r\n\r\n{"whole":1}',
      () => socket.destroy(),
    );
    expect(await read).toBe("read 11 bytes");
  });
});

describe("readRawBody without a Node request", () => {
  it("reads the web Request body (fallback) with the same limit", async () => {
    const ok = await app.request("/echo", { method: "POST", body: '{"a":1}' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ size: 7, sha: sha(Buffer.from('{"a":1}')) });
    const over = await app.request("/echo", { method: "POST", body: "x".repeat(BODY_LIMIT + 1) });
    expect(over.status).toBe(413);
  });

  it("prefers the Node request over the web Request when both are there", async () => {
    const incoming = Object.assign(new PassThrough(), { headers: {}, complete: false });
    incoming.end('{"from":"node"}');
    const res = await app.fetch(new Request("http://x/echo", { method: "POST", body: '{"from":"web"}' }), {
      incoming,
      outgoing: {},
    });
    expect(await res.json()).toEqual({ size: 15, sha: sha(Buffer.from('{"from":"node"}')) });
  });
});
