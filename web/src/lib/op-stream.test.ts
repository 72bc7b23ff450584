import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Operation } from "../types.js";
import {
  ES_CLOSED,
  MAX_SSE_ERRORS,
  OpStreamController,
  opSignature,
  pollDelay,
  type EventSourceLike,
  type OpStreamSnapshot,
} from "./op-stream.js";

const OP = "a14314690b5b3db02bc7dd17b98871f6";
const ZERO = "0001-01-01T00:00:00Z";

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close() {
    this.closed = true;
    this.readyState = ES_CLOSED;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  emit(name: string, data: object) {
    for (const l of this.listeners.get(name) ?? []) l({ data: JSON.stringify(data) } as MessageEvent);
  }
  fail(readyState = 0) {
    this.readyState = readyState;
    this.onerror?.(new Event("error"));
  }
}

function op(status: Operation["status"], steps = 0): Operation {
  return {
    id: OP,
    kind: "ci",
    project_id: "shop",
    requested: "2026-01-01T00:00:00.000Z",
    finished: status === "done" || status === "error" ? "2026-01-01T00:00:05.000Z" : ZERO,
    status,
    steps: Array.from({ length: steps }, (_, i) => ({
      worker: (["imageBuilder", "manifestRenderer"] as const)[i]!,
      started_at: "2026-01-01T00:00:01.000Z",
      ended_at: "2026-01-01T00:00:02.000Z",
    })),
  };
}

function setup(fetchOp: () => Promise<Operation>) {
  const sources: FakeEventSource[] = [];
  const snaps: OpStreamSnapshot[] = [];
  const fetchSpy = vi.fn(fetchOp);
  const ctrl = new OpStreamController(
    OP,
    {
      openEventSource: (url) => {
        const es = new FakeEventSource(url);
        sources.push(es);
        return es;
      },
      fetchOp: fetchSpy,
      eventsUrl: (id) => `/api/ops/${id}/events?last_event_id=0`,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
    (s) => snaps.push(s),
  );
  return { ctrl, sources, snaps, fetchSpy, last: () => snaps[snaps.length - 1]! };
}

const payload = (sequence: number, extra: object = {}) => ({
  event_id: String(sequence),
  sequence,
  op_id: OP,
  project_id: "shop",
  kind: "ci",
  status: "running",
  at: "2026-01-01T00:00:00.000Z",
  total_steps: 2,
  delivery: {},
  ...extra,
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("pollDelay", () => {
  it("starts at 1.2 s running / 1.6 s otherwise and backs off ×1.5 up to 5 s", () => {
    expect(pollDelay("running", 0)).toBe(1200);
    expect(pollDelay("queued", 0)).toBe(1600);
    expect(pollDelay(undefined, 0)).toBe(1600);
    expect([0, 1, 2, 3, 4].map((n) => pollDelay("running", n))).toEqual([1200, 1800, 2700, 4050, 5000]);
    expect([0, 1, 2, 3].map((n) => pollDelay("queued", n))).toEqual([1600, 2400, 3600, 5000]);
    expect(pollDelay("running", 50)).toBe(5000);
  });

  it("opSignature changes when a step ends or the status changes", () => {
    expect(opSignature(op("running", 1))).not.toBe(opSignature(op("running", 2)));
    expect(opSignature(op("running", 1))).not.toBe(opSignature(op("done", 1)));
    expect(opSignature(op("running", 1))).toBe(opSignature(op("running", 1)));
  });
});

describe("OpStreamController", () => {
  it("opens the SSE URL, refreshes the op on every non-heartbeat event and closes on op.completed", async () => {
    let current = op("running", 0);
    const t = setup(async () => current);
    t.ctrl.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sources).toHaveLength(1);
    expect(t.sources[0]!.url).toBe(`/api/ops/${OP}/events?last_event_id=0`);
    expect(t.fetchSpy).toHaveBeenCalledTimes(1);
    t.sources[0]!.open();
    expect(t.last().transport).toBe("live");

    t.sources[0]!.emit("step.started", payload(4, { worker: "imageBuilder", step_index: 1 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.fetchSpy).toHaveBeenCalledTimes(2);

    t.sources[0]!.emit("op.heartbeat", payload(4, { event_id: "heartbeat" }));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.fetchSpy).toHaveBeenCalledTimes(2);

    current = op("done", 2);
    t.sources[0]!.emit("op.completed", payload(11, { status: "done", progress_percent: 100 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sources[0]!.closed).toBe(true);
    expect(t.last().transport).toBe("closed");
    expect(t.last().op?.status).toBe("done");
    expect(t.last().stream.terminal).toBe(true);
    t.ctrl.stop();
  });

  it("coalesces refreshes while one is in flight", async () => {
    let resolve!: (o: Operation) => void;
    const t = setup(() => new Promise<Operation>((r) => (resolve = r)));
    t.ctrl.start();
    for (let i = 4; i < 9; i++) t.sources[0]!.emit("step.progress", payload(i, { message: `v${i}` }));
    expect(t.fetchSpy).toHaveBeenCalledTimes(1);
    resolve(op("running"));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.fetchSpy).toHaveBeenCalledTimes(2); // one more for the five events
    resolve(op("running"));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.fetchSpy).toHaveBeenCalledTimes(2);
    t.ctrl.stop();
  });

  it(`lets EventSource reconnect ${MAX_SSE_ERRORS - 1} times, then polls with backoff`, async () => {
    const t = setup(async () => op("running", 0));
    t.ctrl.start();
    await vi.advanceTimersByTimeAsync(0);
    const es = t.sources[0]!;
    for (let i = 1; i < MAX_SSE_ERRORS; i++) {
      es.fail(0); // CONNECTING: the browser retries on its own (sending Last-Event-ID)
      expect(es.closed).toBe(false);
      expect(t.last().transport).toBe("connecting");
    }
    es.fail(0);
    expect(es.closed).toBe(true);
    expect(t.last().transport).toBe("polling");
    expect(t.last().errors).toBe(MAX_SSE_ERRORS);

    const calls = () => t.fetchSpy.mock.calls.length;
    const before = calls();
    await vi.advanceTimersByTimeAsync(0); // first poll at once
    expect(calls()).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(1799); // unchanged → 1.2 s × 1.5
    expect(calls()).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls()).toBe(before + 2);
    await vi.advanceTimersByTimeAsync(2700);
    expect(calls()).toBe(before + 3);
    await vi.advanceTimersByTimeAsync(4050);
    expect(calls()).toBe(before + 4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls()).toBe(before + 5);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls()).toBe(before + 6);
    expect(t.sources).toHaveLength(1); // no new EventSource while polling
    t.ctrl.stop();
  });

  it("resets the backoff when a poll sees a change and stops polling at a terminal status", async () => {
    let n = 0;
    const seq = [op("running", 0), op("running", 0), op("running", 1), op("done", 2)];
    const t = setup(async () => seq[Math.min(n++, seq.length - 1)]!);
    t.ctrl.start();
    await vi.advanceTimersByTimeAsync(0); // initial fetch → seq[0]
    t.sources[0]!.fail(ES_CLOSED); // the browser gave up: poll at once
    expect(t.last().transport).toBe("polling");
    await vi.advanceTimersByTimeAsync(0); // poll → seq[1], unchanged → next in 1800
    await vi.advanceTimersByTimeAsync(1800); // poll → seq[2], changed → next in 1200
    expect(n).toBe(3);
    await vi.advanceTimersByTimeAsync(1200); // poll → done
    expect(n).toBe(4);
    expect(t.last().transport).toBe("closed");
    await vi.advanceTimersByTimeAsync(20_000);
    expect(n).toBe(4);
  });

  it("resets the error count when a message arrives", async () => {
    const t = setup(async () => op("running"));
    t.ctrl.start();
    const es = t.sources[0]!;
    es.fail(0);
    es.fail(0);
    expect(t.last().errors).toBe(2);
    es.emit("op.status", payload(3));
    expect(t.last().errors).toBe(0);
    expect(t.last().transport).toBe("live");
    t.ctrl.stop();
  });

  it("stops cleanly: no callbacks, no timers, source closed", async () => {
    const t = setup(async () => op("running"));
    t.ctrl.start();
    t.sources[0]!.fail(ES_CLOSED);
    const count = t.snaps.length;
    t.ctrl.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.snaps.length).toBe(count);
    expect(t.sources[0]!.closed).toBe(true);
  });
});
