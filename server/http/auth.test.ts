import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Authenticator, SESSION_COOKIE, readCookie, safeEqual, tokenFingerprint } from "./auth.js";

const CURRENT = "current-token-0123456789";
const PREVIOUS = "previous-token-abcdefghij";
const OLDER = "older-token-zyxwvutsrqpo";
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

const fp = (t: string) => createHash("sha256").update(t).digest("hex").slice(0, 12);
const mac = (token: string, issued: string) =>
  createHmac("sha256", token).update(`slipway-session:${issued}`).digest("hex");

/** A clock the test can move. */
function clock(start = T0) {
  let now = start;
  return {
    now: () => now,
    set: (t: number) => {
      now = t;
    },
  };
}

describe("SESSION_COOKIE", () => {
  it("is slipway_session (SPEC §0.5)", () => {
    expect(SESSION_COOKIE).toBe("slipway_session");
  });
});

describe("tokenFingerprint", () => {
  it("is the first 12 hex characters of sha256(token)", () => {
    expect(tokenFingerprint("abc")).toBe("ba7816bf8f01");
    expect(tokenFingerprint(CURRENT)).toBe(fp(CURRENT));
    expect(tokenFingerprint(CURRENT)).toMatch(/^[0-9a-f]{12}$/);
    expect(tokenFingerprint(CURRENT)).not.toBe(tokenFingerprint(PREVIOUS));
  });
});

describe("safeEqual", () => {
  it("compares strings of any length", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
    expect(safeEqual("", "x")).toBe(false);
  });
});

describe("Authenticator — auth disabled", () => {
  const auth = new Authenticator(undefined, []);

  it("is disabled and everyone is anonymous", () => {
    expect(auth.enabled).toBe(false);
    expect(auth.identify(undefined, undefined)).toBe("anonymous");
    expect(auth.identify("Bearer anything-at-all", undefined)).toBe("anonymous");
    expect(auth.identify(undefined, "slipway_session=garbage")).toBe("anonymous");
  });

  it("does not accept previous tokens as bearer credentials on its own", () => {
    const a = new Authenticator(undefined, [PREVIOUS]);
    expect(a.enabled).toBe(false);
    expect(a.matchToken(PREVIOUS)).toBeNull();
  });
});

describe("Authenticator — bearer tokens (SPEC §0.5)", () => {
  const auth = new Authenticator(CURRENT, [PREVIOUS, OLDER]);

  it("is enabled with a token", () => {
    expect(auth.enabled).toBe(true);
  });

  it("accepts the current token", () => {
    expect(auth.matchToken(CURRENT)).toBe(CURRENT);
    expect(auth.identify(`Bearer ${CURRENT}`, undefined)).toBe(`bearer:${fp(CURRENT)}`);
  });

  it("accepts every previous token and reports which one", () => {
    expect(auth.matchToken(PREVIOUS)).toBe(PREVIOUS);
    expect(auth.matchToken(OLDER)).toBe(OLDER);
    expect(auth.identify(`Bearer ${PREVIOUS}`, undefined)).toBe(`bearer:${fp(PREVIOUS)}`);
    expect(auth.identify(`Bearer ${OLDER}`, undefined)).toBe(`bearer:${fp(OLDER)}`);
  });

  it("treats the auth scheme case-insensitively and tolerates extra spaces", () => {
    expect(auth.identify(`bearer ${CURRENT}`, undefined)).toBe(`bearer:${fp(CURRENT)}`);
    expect(auth.identify(`Bearer   ${CURRENT}  `, undefined)).toBe(`bearer:${fp(CURRENT)}`);
  });

  it.each([
    ["wrong token", "Bearer not-the-right-token-at-all"],
    ["prefix of the token", `Bearer ${CURRENT.slice(0, -1)}`],
    ["token plus a character", `Bearer ${CURRENT}x`],
    ["different case", `Bearer ${CURRENT.toUpperCase()}`],
    ["no scheme", CURRENT],
    ["basic scheme", `Basic ${Buffer.from(`u:${CURRENT}`).toString("base64")}`],
    ["empty bearer", "Bearer "],
    ["empty header", ""],
  ])("rejects %s", (_label, header) => {
    expect(auth.identify(header, undefined)).toBeNull();
  });

  it("remembers a proven bearer per connection, only for that exact header", () => {
    const conn = {};
    const other = {};
    expect(auth.identify(`Bearer ${CURRENT}`, undefined, conn)).toBe(`bearer:${fp(CURRENT)}`);
    expect(auth.identify(`Bearer ${CURRENT}`, undefined, conn)).toBe(`bearer:${fp(CURRENT)}`);
    // Another header on the same connection is checked on its own: a wrong one is refused, another token named.
    expect(auth.identify(`Bearer ${CURRENT}x`, undefined, conn)).toBeNull();
    expect(auth.identify(`Bearer ${PREVIOUS}`, undefined, conn)).toBe(`bearer:${fp(PREVIOUS)}`);
    expect(auth.identify(`Bearer ${CURRENT}`, undefined, conn)).toBe(`bearer:${fp(CURRENT)}`);
    // Nothing carries over to another connection, and a failed header is never remembered.
    expect(auth.identify("Bearer not-the-right-token-at-all", undefined, other)).toBeNull();
    expect(auth.identify("Bearer not-the-right-token-at-all", undefined, other)).toBeNull();
    expect(auth.identify(undefined, undefined, conn)).toBeNull();
  });

  it("rejects missing credentials", () => {
    expect(auth.identify(undefined, undefined)).toBeNull();
    expect(auth.identify(undefined, "theme=dark")).toBeNull();
  });

  it("matchToken returns null for an unknown token", () => {
    expect(auth.matchToken("nope")).toBeNull();
    expect(auth.matchToken("")).toBeNull();
  });

  it("a rotated-out token is no longer accepted", () => {
    const rotated = new Authenticator(CURRENT, [PREVIOUS]);
    expect(rotated.identify(`Bearer ${OLDER}`, undefined)).toBeNull();
  });
});

describe("Authenticator — session cookies (SPEC §0.5)", () => {
  it("issues <issued_ms>.<hex HMAC-SHA256(token, 'slipway-session:'+issued_ms)>", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [PREVIOUS], c.now);
    const value = auth.issueSession();
    expect(value).toBe(`${T0}.${mac(CURRENT, String(T0))}`);
    expect(value).toMatch(/^\d+\.[0-9a-f]{64}$/);
  });

  it("verifies a fresh session and identifies it as session:<fingerprint>", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [], c.now);
    const value = auth.issueSession();
    expect(auth.verifySession(value)).toBe(CURRENT);
    expect(auth.identify(undefined, `${SESSION_COOKIE}=${value}`)).toBe(`session:${fp(CURRENT)}`);
    expect(auth.identify(undefined, `theme=dark; ${SESSION_COOKIE}=${value}; lang=en`)).toBe(`session:${fp(CURRENT)}`);
  });

  it("accepts a hand-built cookie with the documented format", () => {
    const c = clock(T0 + HOUR);
    const auth = new Authenticator(CURRENT, [], c.now);
    expect(auth.verifySession(`${T0}.${mac(CURRENT, String(T0))}`)).toBe(CURRENT);
  });

  it("stays valid for 12 h and expires after that (injected clock)", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [], c.now);
    const value = auth.issueSession();
    c.set(T0 + 6 * HOUR);
    expect(auth.verifySession(value)).toBe(CURRENT);
    c.set(T0 + 12 * HOUR - 1);
    expect(auth.verifySession(value)).toBe(CURRENT);
    c.set(T0 + 12 * HOUR + 1);
    expect(auth.verifySession(value)).toBeNull();
    expect(auth.identify(undefined, `${SESSION_COOKIE}=${value}`)).toBeNull();
    c.set(T0 + 48 * HOUR);
    expect(auth.verifySession(value)).toBeNull();
  });

  it("a session signed with a previous token stays valid during rotation", () => {
    const c = clock();
    const before = new Authenticator(PREVIOUS, [], c.now);
    const value = before.issueSession();
    c.set(T0 + HOUR);
    const after = new Authenticator(CURRENT, [PREVIOUS], c.now);
    expect(after.verifySession(value)).toBe(PREVIOUS);
    expect(after.identify(undefined, `${SESSION_COOKIE}=${value}`)).toBe(`session:${fp(PREVIOUS)}`);
    // Once the old token is dropped from the previous list, its sessions die.
    const dropped = new Authenticator(CURRENT, [], c.now);
    expect(dropped.verifySession(value)).toBeNull();
  });

  it("a previous-token session still expires after 12 h", () => {
    const c = clock();
    const value = new Authenticator(PREVIOUS, [], c.now).issueSession();
    const after = new Authenticator(CURRENT, [PREVIOUS], c.now);
    c.set(T0 + 12 * HOUR + 1);
    expect(after.verifySession(value)).toBeNull();
  });

  it("new sessions are signed with the current token, not a previous one", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [PREVIOUS], c.now);
    const value = auth.issueSession();
    expect(value.split(".")[1]).toBe(mac(CURRENT, String(T0)));
    expect(new Authenticator(PREVIOUS, [], c.now).verifySession(value)).toBeNull();
  });

  it("rejects tampered or malformed cookies", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [PREVIOUS], c.now);
    const value = auth.issueSession();
    const [issued, sig] = value.split(".");
    const flip = (ch: string) => (ch === "0" ? "1" : "0");
    const tampered = [
      `${issued}.${sig.slice(0, -1)}${flip(sig.slice(-1))}`, // signature changed
      `${Number(issued) - 1000}.${sig}`, // issue time changed (would extend the lifetime)
      `${issued}.${mac("some-other-token-value", issued)}`, // signed with an unknown key
      `${issued}.${sig.toUpperCase()}`,
      `${issued}.${sig.slice(0, 63)}`,
      `${issued}.${sig}0`,
      `${issued}${sig}`,
      `.${sig}`,
      `${issued}.`,
      "garbage",
      "",
      `${value}; extra`,
    ];
    for (const t of tampered) {
      expect(auth.verifySession(t), t).toBeNull();
      if (!t.includes(";")) expect(auth.identify(undefined, `${SESSION_COOKIE}=${t}`), t).toBeNull();
    }
  });

  it("rejects a session forged with an unknown key", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [PREVIOUS], c.now);
    const forged = `${T0}.${mac("attacker-controlled-token", String(T0))}`;
    expect(auth.verifySession(forged)).toBeNull();
  });

  it("a wrong bearer token does not hide a valid session cookie", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [], c.now);
    const value = auth.issueSession();
    expect(auth.identify("Bearer wrong-token-wrong-token", `${SESSION_COOKIE}=${value}`)).toBe(
      `session:${fp(CURRENT)}`,
    );
  });

  it("a valid bearer wins over a session cookie", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [PREVIOUS], c.now);
    const value = auth.issueSession();
    expect(auth.identify(`Bearer ${PREVIOUS}`, `${SESSION_COOKIE}=${value}`)).toBe(`bearer:${fp(PREVIOUS)}`);
  });

  it("a cookie with a similar name is ignored", () => {
    const c = clock();
    const auth = new Authenticator(CURRENT, [], c.now);
    const value = auth.issueSession();
    expect(auth.identify(undefined, `x${SESSION_COOKIE}=${value}`)).toBeNull();
    expect(auth.identify(undefined, `${SESSION_COOKIE}x=${value}`)).toBeNull();
  });
});

describe("readCookie", () => {
  it("finds one cookie in a Cookie header", () => {
    expect(readCookie("slipway_session=abc", "slipway_session")).toBe("abc");
    expect(readCookie("a=1; slipway_session=abc; b=2", "slipway_session")).toBe("abc");
    expect(readCookie("a=1;slipway_session=abc;b=2", "slipway_session")).toBe("abc");
    expect(readCookie("  a = 1 ;  b = two  ", "b")).toBe("two");
    expect(readCookie("a=1; b=2", "a")).toBe("1");
  });

  it("keeps '=' inside the value", () => {
    expect(readCookie("tok=a=b==", "tok")).toBe("a=b==");
  });

  it("returns the first occurrence", () => {
    expect(readCookie("s=first; s=second", "s")).toBe("first");
  });

  it("returns undefined when absent", () => {
    expect(readCookie(undefined, "s")).toBeUndefined();
    expect(readCookie("", "s")).toBeUndefined();
    expect(readCookie("a=1; b=2", "s")).toBeUndefined();
    expect(readCookie("ss=1; s_=2", "s")).toBeUndefined();
    expect(readCookie("s", "s")).toBeUndefined();
    expect(readCookie("=s", "s")).toBeUndefined();
  });

  it("returns an empty value as an empty string", () => {
    expect(readCookie("s=", "s")).toBe("");
  });
});
