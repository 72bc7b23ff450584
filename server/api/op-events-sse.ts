import type { Context } from "hono";
import type { AppEnv } from "../http/index.js";
import { TERMINAL_EVENTS, type OpEvent, type StoredOp } from "../store/index.js";
import { STEP_ORDER, hintFor, progressPercent } from "../engine/index.js";
import { nowIso, ZERO_TIME } from "../../workers/shared/ids.js";
import type { ApiDeps } from "./deps.js";

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

function frame(name: string, payload: OpEvent, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

function heartbeatOf(last: OpEvent, lastSeq: number): OpEvent {
  const { worker: _w, step_index: _s, duration_ms: _d, artifacts: _a, cached: _c, completed: _x, ...rest } = last;
  return { ...rest, event_id: "heartbeat", sequence: lastSeq, message: "stream heartbeat", at: nowIso() };
}

/**
 * `GET /api/ops/{id}/events` (SPEC §5): replay from the stream after `Last-Event-ID`, or a snapshot, then
 * live events read from the stream at the client's pace; ends after the terminal event.
 */
export async function streamOpEvents(c: Context<AppEnv>, d: ApiDeps, op: StoredOp): Promise<Response> {
  const feed = d.eventHub.acquire(op.id);
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      feed.release();
    }
  };
  try {
    await feed.ready;
  } catch (err) {
    release();
    throw err;
  }
  const k = resumePoint(c.req.header("last-event-id"), c.req.query("last_event_id"));
  const stored = feed.events;
  const first = stored[0] ?? null;
  const lastIndex = stored.length - 1;
  const last = stored[lastIndex] ?? null;
  const terminalOp = op.status === "done" || op.status === "error";
  const terminalSeq = last && TERMINAL_EVENTS.has(last.name) ? last.payload.sequence : undefined;
  if (terminalOp && k !== null && terminalSeq !== undefined && k >= terminalSeq) {
    release();
    return new Response(null, { status: 204, headers: { "X-Request-Id": c.get("requestId") } });
  }
  const o = first?.payload.sequence ?? 0;
  const n = last?.payload.sequence ?? 0;
  const replay = k !== null && first !== null && k >= o - 1 && k <= n;

  const encoder = new TextEncoder();
  let closed = false;
  let wake: (() => void) | null = null;
  const closers: (() => void)[] = [release];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const f of closers) f();
    wake?.();
  };

  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      const write = (s: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(s));
        } catch {
          close();
        }
      };
      closers.push(feed.onAppend(() => wake?.()));
      d.sseStreams.add(close);
      closers.push(() => d.sseStreams.delete(close));
      c.req.raw.signal?.addEventListener("abort", close, { once: true });

      void (async () => {
        let lastSent: OpEvent = snapshotPayload(op, n);
        let lastSeq: number;
        // Index into the shared feed: replay starts at its beginning, a snapshot after what it covers.
        let index: number;
        write("retry: 2000\n\n");
        if (replay) {
          lastSeq = k!;
          index = 0;
        } else {
          lastSeq = n;
          write(frame("op.bootstrap", lastSent));
          if (terminalOp && last && terminalSeq !== undefined) {
            write(frame(last.name, last.payload, last.payload.sequence));
            close();
          }
          index = lastIndex + 1;
        }
        if (!closed) {
          const heartbeat = setInterval(
            () => write(frame("op.heartbeat", heartbeatOf(lastSent, lastSeq))),
            d.config.sseHeartbeatMs,
          );
          closers.push(() => clearInterval(heartbeat));
        }
        try {
          while (!closed) {
            while (!closed && index < feed.events.length) {
              const e = feed.events[index++];
              if (e.payload.sequence <= lastSeq) continue;
              write(frame(e.name, e.payload, e.payload.sequence));
              lastSent = e.payload;
              lastSeq = e.payload.sequence;
              if (TERMINAL_EVENTS.has(e.name)) close();
            }
            if (closed) break;
            await new Promise<void>((resolve) => {
              wake = resolve;
              if (closed || index < feed.events.length) resolve();
            });
            wake = null;
          }
        } catch (err) {
          d.log.warn({ op_id: op.id, err: (err as Error).message }, "sse stream failed");
        } finally {
          close();
          try {
            controller.close();
          } catch {
            /* already closed by the client */
          }
        }
      })();
    },
    cancel: () => close(),
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, "X-Request-Id": c.get("requestId") } });
}
