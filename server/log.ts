import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/** pino JSON lines; pretty-printed (in-process, no worker thread) when stdout is a TTY (SPEC §0.4). */
export function createLogger(level: string, opts: { tty: boolean; noColor: boolean }): Logger {
  const base = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (!opts.tty) return pino(base);
  return pino(base, pretty({ colorize: !opts.noColor, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }));
}
