import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "slipway_session";
const SESSION_TTL_MS = 12 * 3_600_000;

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** Constant-time string equality (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** `<first 12 hex of sha256(token)>`, the audit fingerprint of a credential (SPEC §12.4). */
export function tokenFingerprint(token: string): string {
  return digest(token).toString("hex").slice(0, 12);
}

function sessionMac(token: string, issuedMs: string): string {
  return createHmac("sha256", token).update(`slipway-session:${issuedMs}`).digest("hex");
}

/** Verifies bearer tokens and session cookies against the current and previous tokens (SPEC §0.5). */
export class Authenticator {
  private readonly tokens: string[];

  constructor(
    readonly token: string | undefined,
    previous: string[],
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = token ? [token, ...previous] : [];
  }

  get enabled(): boolean {
    return this.token !== undefined;
  }

  /** The matching token for a bearer credential, or null. Every candidate is compared. */
  matchToken(candidate: string): string | null {
    let found: string | null = null;
    for (const t of this.tokens) if (safeEqual(candidate, t) && found === null) found = t;
    return found;
  }

  /** A new session cookie value signed with the current token. */
  issueSession(): string {
    const issued = String(this.now());
    return `${issued}.${sessionMac(this.token ?? "", issued)}`;
  }

  /** The token a session cookie was signed with, when valid and younger than 12 h. */
  verifySession(value: string): string | null {
    const m = /^(\d{1,16})\.([0-9a-f]{64})$/.exec(value);
    if (!m) return null;
    const issued = Number(m[1]);
    const age = this.now() - issued;
    if (age < 0 || age > SESSION_TTL_MS) return null;
    let found: string | null = null;
    for (const t of this.tokens) if (safeEqual(sessionMac(t, m[1]), m[2]) && found === null) found = t;
    return found;
  }

  /**
   * Who a request is: `anonymous` when auth is off, `bearer:<fp>` / `session:<fp>` when authenticated,
   * null when auth is on and the credentials are missing or wrong.
   */
  identify(authorization: string | undefined, cookieHeader: string | undefined): string | null {
    if (!this.enabled) return "anonymous";
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
    if (bearer) {
      const t = this.matchToken(bearer[1].trim());
      if (t) return `bearer:${tokenFingerprint(t)}`;
    }
    const cookie = readCookie(cookieHeader, SESSION_COOKIE);
    if (cookie) {
      const t = this.verifySession(cookie);
      if (t) return `session:${tokenFingerprint(t)}`;
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
