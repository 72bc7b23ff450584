import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from "@nats-io/nats-core";

/** A JetStream write that was refused (no stream for the subject, a stream error) or not acknowledged in time. */
export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PublishError";
  }
}

interface Queued {
  subject: string;
  data: string;
  headers?: MsgHdrs;
  done: (err?: PublishError) => void;
}

interface Waiting {
  done: (err?: PublishError) => void;
  deadline: number;
}

/**
 * JetStream publishes with acknowledgement for background writes on the request path (audit records, webhook
 * delivery ids), without nats.js's per-request machinery (an inbox registration, a deferred, a timer and error
 * objects per call): one wildcard reply subscription receives every ack, the publishes queued during an
 * event-loop turn go out together (one socket write for a burst of requests instead of one each), and one
 * timer sweeps acks that never came. JetStream stores exactly what `js.publish` / `kv.put` would send.
 */
export class JetStreamPublisher {
  private readonly prefix: string;
  private sub?: Subscription;
  private readonly waiting = new Map<string, Waiting>();
  private queue: Queued[] = [];
  private scheduled = false;
  private next = 0;
  private sweeper?: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5000,
  ) {
    this.prefix = `${createInbox()}.`;
  }

  /** Acknowledged writes not settled yet. */
  get pending(): number {
    return this.waiting.size + this.queue.length;
  }

  /**
   * Publish `data` to a stream subject; `done()` once JetStream stored it, `done(err)` when no stream listens on
   * the subject, the stream refused it, or no ack came within the timeout.
   */
  publish(subject: string, data: string, headers: MsgHdrs | undefined, done: (err?: PublishError) => void): void {
    if (this.closed) return done(new PublishError("publisher closed"));
    this.queue.push({ subject, data, headers, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (this.closed) {
      for (const q of queue) q.done(new PublishError("publisher closed"));
      return;
    }
    this.sub ??= this.nc.subscribe(`${this.prefix}*`, { callback: (_err, msg) => this.onAck(msg) });
    const deadline = Date.now() + this.timeoutMs;
    for (const q of queue) {
      const token = (this.next++).toString(36);
      try {
        this.nc.publish(q.subject, q.data, { reply: this.prefix + token, headers: q.headers });
        this.waiting.set(token, { done: q.done, deadline });
      } catch (err) {
        q.done(new PublishError((err as Error).message));
      }
    }
    if (this.waiting.size > 0 && !this.sweeper) {
      this.sweeper = setInterval(this.sweep, Math.min(1000, this.timeoutMs));
      this.sweeper.unref();
    }
  };

  private onAck(msg: Msg | undefined): void {
    if (!msg) return;
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return; // timed out already
    this.waiting.delete(token);
    const code = msg.headers?.code ?? 0;
    if (code === 503) return w.done(new PublishError("no stream stores this subject (no responders)"));
    if (code >= 300) return w.done(new PublishError(`publish failed: ${msg.headers?.status ?? code}`));
    try {
      const ack = JSON.parse(msg.string()) as { stream?: string; error?: { description?: string; code?: number } };
      if (ack.error) return w.done(new PublishError(ack.error.description ?? `stream error ${ack.error.code}`));
      if (!ack.stream) return w.done(new PublishError("invalid ack response"));
    } catch {
      return w.done(new PublishError("invalid ack response"));
    }
    w.done();
  }

  private readonly sweep = (): void => {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(token);
      w.done(new PublishError("timeout waiting for the JetStream ack"));
    }
    if (this.waiting.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };

  /** Stop: writes not acknowledged yet fail. */
  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.sub?.unsubscribe();
    for (const w of this.waiting.values()) w.done(new PublishError("publisher closed"));
    this.waiting.clear();
  }
}
