/** The fields of the SPEC §0.4 access-log line (`msg: "request"`); `server/log.ts` formats it. */
export type { RequestLogFields as RequestLine } from "../../log.js";

/** Build-context URLs are capabilities: never log their token. */
export function redactPath(path: string): string {
  return path.startsWith("/_build/context/") ? "/_build/context/<redacted>" : path;
}
