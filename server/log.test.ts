import { describe, expect, it } from "vitest";
import { formatRequestLine, jsonLogger, requestLogWriter, type RequestLogFields } from "./log.js";

function memoryLogger(level: string) {
  const lines: string[] = [];
  return { lines, log: jsonLogger(level, { write: (s: string) => void lines.push(s) }) };
}

const FIELDS: RequestLogFields[] = [
  {
    req_id: "0123456789abcdef0123456789abcdef",
    method: "GET",
    path: "/api/projects",
    route: "/api/projects",
    status: 200,
    duration_ms: 0.517,
    remote_addr: "127.0.0.1",
  },
  {
    req_id: "a.b_c-d",
    method: "DELETE",
    path: '/api/projects/x"y\\z\n\t\u2028é😀',
    route: "unmatched",
    status: 404,
    duration_ms: 1e-7,
    remote_addr: "::ffff:127.0.0.1",
  },
  {
    req_id: "r",
    method: "GET",
    path: "/" + "a".repeat(300),
    route: "r",
    status: 500,
    duration_ms: 12,
    remote_addr: "",
  },
];

describe("access-log line", () => {
  it("is byte for byte what pino writes for log.info(fields, 'request')", () => {
    for (const f of FIELDS) {
      const { lines, log } = memoryLogger("info");
      log.info(f, "request");
      const time = (JSON.parse(lines[0]!) as { time: string }).time;
      expect(formatRequestLine(f, time)).toBe(lines[0]);
    }
  });

  it("goes to the logger's destination and follows its level", () => {
    const info = memoryLogger("info");
    requestLogWriter(info.log)(FIELDS[1]!);
    expect(info.lines).toHaveLength(1);
    expect(JSON.parse(info.lines[0]!)).toMatchObject({ level: 30, msg: "request", ...FIELDS[1] });
    const warn = memoryLogger("warn");
    requestLogWriter(warn.log)(FIELDS[0]!);
    expect(warn.lines).toHaveLength(0);
    warn.log.level = "info";
    requestLogWriter(warn.log)(FIELDS[0]!);
    expect(warn.lines).toHaveLength(1);
  });
});
