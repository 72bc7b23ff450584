import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { ApiError, type AppEnv } from "../http/index.js";
import { TERMINAL_EVENTS, type OpEvent, type StoredOp } from "../store/index.js";
import { STEP_ORDER, hintFor, progressPercent } from "../engine/index.js";
import { ZERO_TIME } from "../../workers/shared/ids.js";
import type { ApiDeps } from "./deps.js";
import { sseFrame, type OpEventFeed } from "./op-event-hub.js";

const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};

/** The resume point: `Last-Event-ID`, else `?last_event_id`; null unless a non-negative integer. */
export function resumePoint(header: string | undefined, query: string | undefined): number | null {
  const raw = (header ?? query ?? "").trim();
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

/** The `op.bootstrap` snapshot of a stored op (SPEC §5.3 "Snapshot"). */
export function snapshotPayload(op: StoredOp, lastSequence: number): OpEvent {
  const last = op.steps[op.steps.length - 1];
  const error = last?.error ?? op.error;
  const at =
    op.finished !== ZERO_TIME
      ? op.finished
      : last
        ? last.ended_at !== ZERO_TIME
          ? last.ended_at
          : last.started_at
        : op.requested;
  const p: OpEvent = {
    event_id: "bootstrap",
    sequence: lastSequence,
    op_id: op.id,
    project_id: op.project_id,
    kind: op.kind,
    status: op.status,
    at,
    total_steps: STEP_ORDER[op.kind].length,
    delivery: op.delivery ?? {},
    message: "operation snapshot",
  };
  const pct = progressPercent(op);
  if (pct) p.progress_percent = pct;
  if (last) {
    p.worker = last.worker;
    p.step_index = op.steps.length;
    if (last.ended_at !== ZERO_TIME)
      p.duration_ms = Math.max(0, Date.parse(last.ended_at) - Date.parse(last.started_at));
    if (last.artifacts?.length) p.artifacts = last.artifacts.slice(0, 8);
  }
  if (error) {
    p.error = error;
    p.hint = hintFor(error);
  }
  return p;
}

/** A stream that cannot take a heartbeat this many ticks in a row is cut (it resumes with `Last-Event-ID`). */
const MAX_BLOCKED_TICKS = 3;
const RETRY_FRAME = Buffer.from("retry: 2000\n\n");
// @hono/node-server's marker for "the handler wrote the response itself" (a Response built after the adapter has
// replaced the global one would take its cached-response path and be written a second time). Middleware still sets
// headers on it afterwards (X-Request-Id); nothing reads them.
const alreadySent = () => RESPONSE_ALREADY_SENT;
const ignore = () => {};

/**
 * One SSE connection, written straight to the Node response: events are taken from the shared feed (frames encoded
 * once per event) as fast as the client reads — when the socket buffer is full the stream waits for `drain` before it
 * takes the next one, so a slow client holds at most one frame beyond the socket's buffer, never a queue of its own.
 */
class SseStream {
  private closed = false;
  private blocked = false;
  private blockedTicks = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly feed: OpEventFeed,
    private index: number,
    private lastSeq: number,
    private lastSent: OpEvent,
    private readonly onClose: () => void,
  ) {}

  /** Start following the feed: live events, heartbeats, the close of the connection. */
  follow(heartbeatMs: number): void {
    this.res.on("close", this.close);
    this.res.on("drain", this.drained);
    this.unsubscribe.push(this.feed.onAppend(this.pump), this.feed.onTick(heartbeatMs, this.heartbeat));
    this.pump();
  }

  /** Write every feed event not sent yet, until the client's socket is full or the op's terminal event went out. */
  readonly pump = (): void => {
    const { events, frames } = this.feed;
    while (!this.closed && !this.blocked && this.index < events.length) {
      const i = this.index++;
      const e = events[i];
      if (e.payload.sequence <= this.lastSeq) continue;
      this.lastSent = e.payload;
      this.lastSeq = e.payload.sequence;
      if (!this.res.write(frames[i])) this.blocked = true;
      if (TERMINAL_EVENTS.has(e.name)) this.end();
    }
  };

  private readonly drained = (): void => {
    this.blocked = false;
    this.blockedTicks = 0;
    this.pump();
  };

  private readonly heartbeat = (): void => {
    if (this.closed) return;
    if (this.blocked) {
      // The client has not read for a while: drop it rather than hold the connection (EventSource reconnects).
      if (++this.blockedTicks >= MAX_BLOCKED_TICKS) this.res.destroy();
      return;
    }
    // Events the feed holds and this stream has not sent (their announcement was missed) go out instead.
    const sent = this.lastSeq;
    this.pump();
    if (this.closed || this.blocked || this.lastSeq !== sent) return;
    if (!this.res.write(this.feed.heartbeatFrame(this.lastSent, this.lastSeq))) this.blocked = true;
  };

  /** End the response (after the terminal event, or at shutdown). */
  readonly end = (): void => {
    if (this.closed) return;
    this.close();
    this.res.end();
  };

  private readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    this.res.off("drain", this.drained);
    this.onClose();
  };
}

/**
 * `GET /api/ops/{id}/events` (SPEC §5): replay from the stream after `Last-Event-ID`, or a snapshot, then live events
 * from the shared feed at the client's pace, heartbeats between; ends after the terminal event. Writes to the Node
 * response directly and notices a disconnect from its `close` event.
 */
export async function streamOpEvents(c: Context<AppEnv>, d: ApiDeps, op: StoredOp): Promise<Response> {
  const res = c.env?.outgoing;
  if (!res) throw new Error("SSE streams need the Node HTTP server (c.env.outgoing)");
  const feed = d.eventHub.acquire(op.id);
  try {
    await feed.ready;
  } catch (err) {
    // The stream could not be read (NATS restarting): a 500 with the endpoint's text; the client reconnects.
    feed.release();
    d.log.warn({ op_id: op.id, err: (err as Error).message }, "sse stream failed: op events not readable");
    throw new ApiError(500, "INTERNAL_ERROR", "failed to read op events");
  }
  const k = resumePoint(c.req.header("last-event-id"), c.req.query("last_event_id"));
  const stored = feed.events;
  const first = stored[0] ?? null;
  const lastIndex = stored.length - 1;
  const last = stored[lastIndex] ?? null;
  const terminalSeq = last && TERMINAL_EVENTS.has(last.name) ? last.payload.sequence : undefined;
  // The op record was read before the feed: an op that finished meanwhile is known finished by its stored terminal
  // event (a snapshot that said "running" would wait for events after op.completed that never come).
  const terminalOp = op.status === "done" || op.status === "error" || terminalSeq !== undefined;
  if (terminalOp && k !== null && terminalSeq !== undefined && k >= terminalSeq) {
    feed.release();
    return new Response(null, { status: 204, headers: { "X-Request-Id": c.get("requestId") } });
  }
  const o = first?.payload.sequence ?? 0;
  const n = last?.payload.sequence ?? 0;
  const replay = k !== null && first !== null && k >= o - 1 && k <= n;

  if (res.destroyed) {
    // The client left while the feed was read: its close event has already fired.
    feed.release();
    return alreadySent();
  }
  res.on("error", ignore); // a reset socket: its close event ends the stream
  res.writeHead(200, { ...SSE_HEADERS, "X-Request-Id": c.get("requestId") });
  res.write(RETRY_FRAME);
  const snapshot = snapshotPayload(op, n);
  if (!replay) {
    res.write(sseFrame("op.bootstrap", snapshot));
    if (terminalOp && terminalSeq !== undefined) {
      res.end(feed.frames[lastIndex]);
      feed.release();
      return alreadySent();
    }
  }
  let released = false;
  const stream = new SseStream(res, feed, replay ? 0 : lastIndex + 1, replay ? k! : n, snapshot, () => {
    if (released) return;
    released = true;
    d.sseStreams.delete(stream.end);
    feed.release();
  });
  d.sseStreams.add(stream.end);
  stream.follow(d.config.sseHeartbeatMs);
  return alreadySent();
}
