// The logic behind the one SSE hook (useOpStream): follow an op over EventSource, refresh the op JSON on every
// recorded event, close on the terminal event, and fall back to polling after repeated errors (SPEC §13
// "Live activity"). Written against small interfaces so it runs (and is tested) without a browser.

import type { Operation, OpEvent } from "../types.js";
import { applyEvent, emptyStream, EVENT_NAMES, isTerminal, TERMINAL_EVENTS, type StreamState } from "./timeline.js";

/** The parts of EventSource the controller uses. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

export const ES_CLOSED = 2;

export interface OpStreamDeps {
  openEventSource(url: string): EventSourceLike;
  fetchOp(opId: string): Promise<Operation>;
  eventsUrl(opId: string): string;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export type Transport = "connecting" | "live" | "polling" | "closed";

export interface OpStreamSnapshot {
  opId: string;
  op: Operation | null;
  stream: StreamState;
  transport: Transport;
  /** SSE errors since the last message. */
  errors: number;
  /** The last failed `GET /api/ops/{id}`, cleared by the next success. */
  fetchError?: string;
}

/** After this many EventSource errors the controller stops reconnecting and polls instead. */
export const MAX_SSE_ERRORS = 4;
export const POLL_RUNNING_MS = 1200;
export const POLL_IDLE_MS = 1600;
export const POLL_MAX_MS = 5000;
export const POLL_BACKOFF = 1.5;

/**
 * The polling schedule: 1.2 s while running, 1.6 s otherwise, multiplied by 1.5 for every poll that saw no change,
 * capped at 5 s. A change resets `unchangedPolls` to 0.
 */
export function pollDelay(status: string | undefined, unchangedPolls: number): number {
  const base = status === "running" ? POLL_RUNNING_MS : POLL_IDLE_MS;
  return Math.min(POLL_MAX_MS, Math.round(base * POLL_BACKOFF ** Math.max(0, unchangedPolls)));
}

/** What counts as "the op changed" between two polls. */
export function opSignature(op: Operation | null): string {
  if (!op) return "";
  return [op.status, op.error ?? "", ...op.steps.map((s) => `${s.worker}:${s.ended_at}:${s.error ?? ""}`)].join("|");
}

export class OpStreamController {
  private readonly opId: string;
  private readonly deps: OpStreamDeps;
  private readonly onChange: (s: OpStreamSnapshot) => void;
  private snap: OpStreamSnapshot;
  private es: EventSourceLike | null = null;
  private stopped = false;
  private fetching = false;
  private refetch = false;
  private pollTimer: unknown = null;
  private unchangedPolls = 0;

  constructor(opId: string, deps: OpStreamDeps, onChange: (s: OpStreamSnapshot) => void) {
    this.opId = opId;
    this.deps = deps;
    this.onChange = onChange;
    this.snap = { opId, op: null, stream: emptyStream(), transport: "connecting", errors: 0 };
  }

  get snapshot(): OpStreamSnapshot {
    return this.snap;
  }

  start(): void {
    void this.refresh();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.closeSource();
    if (this.pollTimer !== null) this.deps.clearTimer(this.pollTimer);
    this.pollTimer = null;
  }

  private set(patch: Partial<OpStreamSnapshot>): void {
    if (this.stopped) return;
    this.snap = { ...this.snap, ...patch };
    this.onChange(this.snap);
  }

  private connect(): void {
    const es = this.deps.openEventSource(this.deps.eventsUrl(this.opId));
    this.es = es;
    es.onopen = () => {
      if (this.es === es && this.snap.transport === "connecting") this.set({ transport: "live" });
    };
    es.onerror = () => this.onError(es);
    for (const name of EVENT_NAMES) es.addEventListener(name, (ev) => this.onEvent(es, name, ev));
  }

  private closeSource(): void {
    if (!this.es) return;
    this.es.onopen = null;
    this.es.onerror = null;
    this.es.close();
    this.es = null;
  }

  private onEvent(es: EventSourceLike, name: string, ev: MessageEvent): void {
    if (this.stopped || this.es !== es) return;
    let payload: OpEvent;
    try {
      payload = JSON.parse(String(ev.data)) as OpEvent;
    } catch {
      return;
    }
    const stream = applyEvent(this.snap.stream, name, payload);
    const terminal = TERMINAL_EVENTS.has(name);
    if (terminal) this.closeSource();
    this.set({ stream, errors: 0, transport: terminal ? "closed" : "live" });
    if (name !== "op.heartbeat") void this.refresh();
  }

  private onError(es: EventSourceLike): void {
    if (this.stopped || this.es !== es) return;
    const errors = this.snap.errors + 1;
    // CLOSED: the browser will not retry (a 204 after the terminal event, an HTTP error): poll instead.
    if (es.readyState === ES_CLOSED || errors >= MAX_SSE_ERRORS) {
      this.closeSource();
      this.set({ errors });
      this.startPolling();
      return;
    }
    this.set({ errors, transport: "connecting" });
  }

  private startPolling(): void {
    if (this.stopped) return;
    if (isTerminal(this.snap.op?.status) && this.snap.op) {
      this.set({ transport: "closed" });
      return;
    }
    this.set({ transport: "polling" });
    this.unchangedPolls = 0;
    this.schedulePoll(0);
  }

  private schedulePoll(ms: number): void {
    if (this.pollTimer !== null) this.deps.clearTimer(this.pollTimer);
    this.pollTimer = this.deps.setTimer(() => {
      this.pollTimer = null;
      void this.poll();
    }, ms);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    const before = opSignature(this.snap.op);
    const op = await this.fetchOnce();
    if (this.stopped) return;
    if (op && isTerminal(op.status)) {
      this.set({ transport: "closed" });
      return;
    }
    const changed = op !== null && opSignature(op) !== before;
    this.unchangedPolls = changed ? 0 : this.unchangedPolls + 1;
    this.schedulePoll(pollDelay(this.snap.op?.status, this.unchangedPolls));
  }

  /** GET the op; concurrent calls coalesce into one more fetch after the one in flight. */
  private async refresh(): Promise<void> {
    if (this.fetching) {
      this.refetch = true;
      return;
    }
    this.fetching = true;
    try {
      do {
        this.refetch = false;
        await this.fetchOnce();
      } while (this.refetch && !this.stopped);
    } finally {
      this.fetching = false;
    }
  }

  private async fetchOnce(): Promise<Operation | null> {
    try {
      const op = await this.deps.fetchOp(this.opId);
      this.set({ op, fetchError: undefined });
      return op;
    } catch (err) {
      this.set({ fetchError: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }
}
