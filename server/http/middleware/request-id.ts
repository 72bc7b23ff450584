import { newId32 } from "../../../workers/shared/ids.js";

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A well-formed client `X-Request-Id` is kept, anything else gets a new ID32 (SPEC §0.4). */
export function requestIdFor(given: string | undefined): string {
  return given !== undefined && CLIENT_ID.test(given) ? given : newId32();
}
