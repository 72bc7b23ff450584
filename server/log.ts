import { pino, type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { nowIso } from "../workers/shared/ids.js";

export type { Logger } from "pino";

/** How long a JSON line may wait in the stdout batch, and the batch size that is written at once. */
const FLUSH_DELAY_MS = 5;
const FLUSH_BYTES = 64 * 1024;

/**
 * stdout for JSON lines: lines are collected and go out in one synchronous write at most `FLUSH_DELAY_MS` after the
 * first of them (or as soon as `FLUSH_BYTES` are waiting), instead of one write — a thread-pool round trip with
 * pino's default async destination — per line. A busy `GET /api/projects` turns the event loop about once per
 * request, so batching per turn still cost one `write(2)` per access-log line; a few ms batch many. Flushed by
 * `logger.flush()` and at exit.
 */
function batchedStdout(): DestinationStream & { flush(cb?: (err?: Error) => void): void } {
  const out = pino.destination({ dest: 1, sync: true }); // retries EAGAIN on a non-blocking pipe
  let buf = "";
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buf === "") return;
    const lines = buf;
    buf = "";
    out.write(lines);
  };
  process.on("exit", flush);
  return {
    write(line: string) {
      buf += line;
      if (buf.length >= FLUSH_BYTES) flush();
      else if (timer === undefined) timer = setTimeout(flush, FLUSH_DELAY_MS).unref();
    },
    flush(cb) {
      flush();
      cb?.();
    },
  };
}

/** The fields of the SPEC §0.4 access-log line, in the order they are written. */
export interface RequestLogFields {
  req_id: string;
  method: string;
  path: string;
  route: string;
  status: number;
  duration_ms: number;
  remote_addr: string;
}

/** The `request` line exactly as pino writes `log.info(fields, "request")` with this module's options. */
export function formatRequestLine(f: RequestLogFields, time: string): string {
  return (
    `{"level":30,"time":"${time}","req_id":${JSON.stringify(f.req_id)},"method":${JSON.stringify(f.method)},` +
    `"path":${JSON.stringify(f.path)},"route":${JSON.stringify(f.route)},"status":${f.status},` +
    `"duration_ms":${f.duration_ms},"remote_addr":${JSON.stringify(f.remote_addr)},"msg":"request"}\n`
  );
}

/** JSON-line loggers and the destination their lines go to (for `requestLogWriter`). */
const jsonDestinations = new WeakMap<Logger, DestinationStream>();

/**
 * The access-log writer for `log`: for a JSON-line logger the line is formatted here (one template instead of
 * pino's generic per-key serialisation, once per request) and appended to the same destination; a pretty
 * logger gets `log.info(fields, "request")`. Either way the level still decides whether the line is written.
 */
export function requestLogWriter(log: Logger): (f: RequestLogFields) => void {
  const dest = jsonDestinations.get(log);
  if (!dest) return (f) => log.info(f, "request");
  return (f) => {
    if (log.isLevelEnabled("info")) dest.write(formatRequestLine(f, nowIso()));
  };
}

/** pino JSON lines; pretty-printed (in-process, no worker thread) when stdout is a TTY (SPEC §0.4). */
export function createLogger(level: string, opts: { tty: boolean; noColor: boolean }): Logger {
  if (!opts.tty) return jsonLogger(level, batchedStdout());
  return pino(
    options(level),
    pretty({ colorize: !opts.noColor, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }),
  );
}

function options(level: string): pino.LoggerOptions {
  return { level, base: undefined, timestamp: () => `,"time":"${nowIso()}"` };
}

/** A JSON-line pino logger over `dest`, registered for `requestLogWriter`. Exported for tests. */
export function jsonLogger(level: string, dest: DestinationStream): Logger {
  const log = pino(options(level), dest);
  jsonDestinations.set(log, dest);
  return log;
}
