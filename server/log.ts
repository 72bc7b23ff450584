import { pino, type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { nowIso } from "../workers/shared/ids.js";

export type { Logger } from "pino";

/**
 * stdout for JSON lines: the lines of one event-loop turn go out in one synchronous write at the end of the turn
 * (`setImmediate`), instead of one write — a thread-pool round trip with pino's default async destination — per
 * line (the access-log line was ~10% of a busy `GET /api/projects`). Flushed by `logger.flush()` and at exit.
 */
function batchedStdout(): DestinationStream & { flush(cb?: (err?: Error) => void): void } {
  const out = pino.destination({ dest: 1, sync: true }); // retries EAGAIN on a non-blocking pipe
  let buf = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (buf === "") return;
    const lines = buf;
    buf = "";
    out.write(lines);
  };
  process.on("exit", flush);
  return {
    write(line: string) {
      buf += line;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush(cb) {
      flush();
      cb?.();
    },
  };
}

/** pino JSON lines; pretty-printed (in-process, no worker thread) when stdout is a TTY (SPEC §0.4). */
export function createLogger(level: string, opts: { tty: boolean; noColor: boolean }): Logger {
  const base = { level, base: undefined, timestamp: () => `,"time":"${nowIso()}"` };
  if (!opts.tty) return pino(base, batchedStdout());
  return pino(base, pretty({ colorize: !opts.noColor, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
}
