import { headers, type NatsConnection } from "@nats-io/nats-core";
import type { JetStreamClient, JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import { STREAMS } from "../broker/index.js";
import { JetStreamPublisher } from "../store/index.js";
import { newId32, nowIso, PROJECT_ID_PATTERN } from "../../workers/shared/ids.js";

/** One audit record (SPEC §12.4). */
export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  project_id?: string;
  op_id?: string;
  outcome: string;
  status_code?: number;
  request_id: string;
  remote_addr: string;
}

export interface AuditFilter {
  projectId?: string;
  action?: string;
}

export interface AuditLogOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** With the connection, records go out through one lean acknowledged publisher (`JetStreamPublisher`). */
  nc?: NatsConnection;
  log: { warn(obj: object, msg?: string): void };
  /** Called when a record could not be written (counted in a metric). */
  onWriteFailure?: () => void;
}

/** Opaque paging cursor: the stream sequence to continue below, base64url-wrapped. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`).toString("base64url");
}

export function decodeCursor(cursor: string): number | null {
  const m = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return m ? Number(m[1]) : null;
}

/** `paas.audit.<projectId>`; ids that are not valid project ids (they may hold spaces, `.` or `>`) go to `_`. */
function subjectFor(projectId?: string): string {
  return `paas.audit.${projectId && PROJECT_ID_PATTERN.test(projectId) ? projectId : "_"}`;
}

/**
 * The audit trail in PAAS_AUDIT (SPEC §12.4). Writes never block or fail the request they describe: they are
 * published in the background (acknowledged), failures are logged and counted; reads first wait for this
 * process's pending writes so a client reads its own actions.
 */
export class AuditLog {
  private readonly publisher?: JetStreamPublisher;
  /** Sequence numbers of the writes not settled yet, oldest first (a Set keeps insertion order). */
  private readonly inflight = new Set<number>();
  private started = 0;
  private waiters: { before: number; resolve: () => void }[] = [];

  constructor(private readonly o: AuditLogOptions) {
    if (o.nc) this.publisher = new JetStreamPublisher(o.nc);
  }

  /** Record an action (fire and forget). */
  record(r: Omit<AuditRecord, "id" | "at"> & { at?: string }): void {
    const rec: AuditRecord = { id: newId32(), at: r.at ?? nowIso(), ...r } as AuditRecord;
    const h = headers();
    h.set("Paas-Audit-Action", rec.action);
    const seq = this.started++;
    this.inflight.add(seq);
    const settle = (err?: Error) => {
      if (err) {
        this.o.log.warn({ err: err.message, action: rec.action }, "audit write failed");
        this.o.onWriteFailure?.();
      }
      this.inflight.delete(seq);
      if (this.waiters.length > 0) this.wake();
    };
    const subject = subjectFor(rec.project_id);
    const data = JSON.stringify(rec);
    if (this.publisher) this.publisher.publish(subject, data, h, settle);
    else
      this.o.js.publish(subject, data, { headers: h, timeout: 5000 }).then(
        () => settle(),
        (err: Error) => settle(err),
      );
  }

  private wake(): void {
    const oldest = this.inflight.values().next();
    const settledBelow = oldest.done ? this.started : oldest.value;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (settledBelow >= w.before) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Wait for the writes this process started before the call (bounded by their publish timeout). */
  async flush(): Promise<void> {
    if (this.inflight.size === 0) return;
    const before = this.started;
    await new Promise<void>((resolve) => this.waiters.push({ before, resolve }));
  }

  private matches(r: AuditRecord, f: AuditFilter): boolean {
    return (!f.action || r.action === f.action) && (!f.projectId || r.project_id === f.projectId);
  }

  private decode(m: StoredMsg): AuditRecord | null {
    try {
      return m.json<AuditRecord>();
    } catch {
      return null;
    }
  }

  /** Newest first, `limit` records below the cursor's sequence; `next` when more may match. */
  async list(f: AuditFilter, limit: number, cursor?: number): Promise<{ items: AuditRecord[]; next?: number }> {
    await this.flush();
    const info = await this.o.jsm.streams.info(STREAMS.audit);
    const first = info.state.first_seq;
    let seq = Math.min(cursor !== undefined ? cursor - 1 : info.state.last_seq, info.state.last_seq);
    const subject = f.projectId ? subjectFor(f.projectId) : undefined;
    const items: AuditRecord[] = [];
    for (; seq >= first && seq > 0; seq--) {
      const m = await this.o.jsm.streams.getMessage(STREAMS.audit, { seq });
      if (!m || (subject && m.subject !== subject)) continue;
      const r = this.decode(m);
      if (!r || !this.matches(r, f)) continue;
      if (items.length === limit) return { items, next: seq + 1 };
      items.push(r);
    }
    return { items };
  }

  /** Every retained matching record, oldest first, one at a time (for streaming exports). */
  async *all(f: AuditFilter): AsyncGenerator<AuditRecord> {
    await this.flush();
    const subject = f.projectId ? subjectFor(f.projectId) : "paas.audit.>";
    let seq = 1;
    for (;;) {
      const query = { next_by_subj: subject, seq } as unknown as { seq: number };
      const m = await this.o.jsm.streams.getMessage(STREAMS.audit, query);
      if (!m) return;
      seq = m.seq + 1;
      const r = this.decode(m);
      if (r && this.matches(r, f)) yield r;
    }
  }
}

const CSV_COLUMNS = [
  "id",
  "at",
  "actor",
  "action",
  "project_id",
  "op_id",
  "outcome",
  "status_code",
  "request_id",
  "remote_addr",
] as const;

/** The CSV header row of the export. */
export const CSV_HEADER = CSV_COLUMNS.join(",");

/** One RFC 4180 CSV row of a record. */
export function csvRow(r: AuditRecord): string {
  return CSV_COLUMNS.map((k) => {
    const v = r[k];
    const s = v === undefined ? "" : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(",");
}
