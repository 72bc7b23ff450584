import crypto, { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "slipway_session";
const SESSION_TTL_MS = 12 * 3_600_000;

/** One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object `createHash` builds per call (a per-request cost). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "buffer") => Buffer }).hash;

function digest(s: string): Buffer {
  return oneShot ? oneShot("sha256", s, "buffer") : createHash("sha256").update(s).digest();
}

/** Constant-time string equality (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** `<first 12 hex of sha256(token)>`, the audit fingerprint of a credential (SPEC §12.4). */
export function tokenFingerprint(token: string): string {
  return digest(token).toString("hex").slice(0, 12);
}

function sessionMac(token: string, issuedMs: string): Buffer {
  return createHmac("sha256", token).update(`slipway-session:${issuedMs}`).digest();
}

/** A configured token with what every request needs of it, computed once. */
interface KnownToken {
  token: string;
  digest: Buffer;
  /** `<first 12 hex of sha256(token)>` */
  fingerprint: string;
}

/** Verifies bearer tokens and session cookies against the current and previous tokens (SPEC §0.5). */
export class Authenticator {
  private readonly known: KnownToken[];
  // The last valid bearer header per connection (tokens are fixed for the life of the process; see identify).
  private readonly provenBearers = new WeakMap<object, { header: string; actor: string }>();

  constructor(
    readonly token: string | undefined,
    previous: string[],
    private readonly now: () => number = Date.now,
  ) {
    this.known = (token ? [token, ...previous] : []).map((t) => {
      const d = digest(t);
      return { token: t, digest: d, fingerprint: d.toString("hex").slice(0, 12) };
    });
  }

  get enabled(): boolean {
    return this.token !== undefined;
  }

  /**
   * The configured token a bearer credential matches, or undefined: one SHA-256 of the candidate, then a
   * constant-time comparison with every token's digest (each is compared, whichever matches).
   */
  private matchKnown(candidate: string): KnownToken | undefined {
    const d = digest(candidate);
    let found: KnownToken | undefined;
    for (const k of this.known) if (timingSafeEqual(d, k.digest) && found === undefined) found = k;
    return found;
  }

  /** The matching token for a bearer credential, or null. Every candidate is compared. */
  matchToken(candidate: string): string | null {
    return this.matchKnown(candidate)?.token ?? null;
  }

  /** A new session cookie value signed with the current token. */
  issueSession(): string {
    const issued = String(this.now());
    return `${issued}.${sessionMac(this.token ?? "", issued).toString("hex")}`;
  }

  private verifySessionKnown(value: string): KnownToken | undefined {
    const m = /^(\d{1,16})\.([0-9a-f]{64})$/.exec(value);
    if (!m) return undefined;
    const issued = Number(m[1]);
    const age = this.now() - issued;
    if (age < 0 || age > SESSION_TTL_MS) return undefined;
    const given = Buffer.from(m[2], "hex"); // 32 bytes: the pattern admits nothing else
    let found: KnownToken | undefined;
    for (const k of this.known) if (timingSafeEqual(sessionMac(k.token, m[1]), given) && found === undefined) found = k;
    return found;
  }

  /** The token a session cookie was signed with, when valid and younger than 12 h. */
  verifySession(value: string): string | null {
    return this.verifySessionKnown(value)?.token ?? null;
  }

  /**
   * Who a request is: `anonymous` when auth is off, `bearer:<fp>` / `session:<fp>` when authenticated,
   * null when auth is on and the credentials are missing or wrong.
   */
  identify(authorization: string | undefined, cookieHeader: string | undefined, connection?: object): string | null {
    if (!this.enabled) return "anonymous";
    if (authorization !== undefined) {
      // A keep-alive connection that already proved this exact header is not hashed again. The comparison is with
      // what the same client sent before, never with a configured token, so its timing tells it nothing new.
      const proven = connection && this.provenBearers.get(connection);
      if (proven?.header === authorization) return proven.actor;
      const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
      if (bearer) {
        const k = this.matchKnown(bearer[1].trim());
        if (k) {
          const actor = `bearer:${k.fingerprint}`;
          if (connection) this.provenBearers.set(connection, { header: authorization, actor });
          return actor;
        }
      }
    }
    if (cookieHeader !== undefined) {
      const cookie = readCookie(cookieHeader, SESSION_COOKIE);
      if (cookie) {
        const k = this.verifySessionKnown(cookie);
        if (k) return `session:${k.fingerprint}`;
      }
    }
    return null;
  }
}

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const idx = part.indexOf("=");
    if (idx > 0 && part.slice(0, idx).trim() === name) return part.slice(idx + 1).trim();
  }
  return undefined;
}
