import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { normalizeBranch, signatureMatches, signBody } from "./webhooks.js";
import { commitKey } from "../store/commits.js";

describe("normalizeBranch (SPEC §6.1)", () => {
  it.each([
    ["main", "main"],
    ["Main", "main"],
    [" MAIN ", "main"],
    ["heads/main", "main"],
    ["refs/heads/main", "main"],
    ["Refs/Heads/Main", "main"],
    ["refs/heads/feature/x", "feature/x"],
    ["refs/tags/main", "refs/tags/main"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(normalizeBranch(input)).toBe(expected);
  });

  it("strips refs/heads/ before heads/ exactly once each", () => {
    expect(normalizeBranch("refs/heads/heads/main")).toBe("main");
    expect(normalizeBranch("heads/heads/main")).toBe("heads/main");
  });
});

describe("signBody", () => {
  it("is sha256=<hex HMAC-SHA256(secret, raw body)>", () => {
    const body = Buffer.from('{"project_id":"p","branch":"main"}');
    const expected = createHmac("sha256", "s3cret").update(body).digest("hex");
    expect(signBody("s3cret", body)).toBe(`sha256=${expected}`);
    // A known vector, so the test cannot pass by mirroring the implementation.
    expect(signBody("key", Buffer.from("The quick brown fox jumps over the lazy dog"))).toBe(
      "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
  });
});

describe("signatureMatches (SPEC §6.1: HMAC-SHA256 of the raw body, constant-time)", () => {
  const body = Buffer.from('{"project_id":"p","branch":"main","commit":"abc"}');
  const good = signBody("s3cret", body);

  it("accepts exactly sha256=<lower-case hex of the HMAC>, surrounding whitespace trimmed", () => {
    expect(signatureMatches("s3cret", body, good)).toBe(true);
    expect(signatureMatches("s3cret", body, `  ${good}\t`)).toBe(true);
  });

  it("refuses every other value", () => {
    const hex = good.slice(7);
    for (const bad of [
      "",
      "sha256=",
      hex, // no prefix
      `sha256=${hex.toUpperCase()}`, // the signature is compared as the exact string signBody gives
      `SHA256=${hex}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}00`,
      `sha256=${hex.slice(0, 63)}g`,
      `sha1=${hex}`,
      `sha256=${"0".repeat(64)}`,
      signBody("other", body),
      signBody("s3cret", Buffer.concat([body, Buffer.from(" ")])),
    ]) {
      expect(signatureMatches("s3cret", body, bad), bad).toBe(false);
    }
  });
});

describe("commitKey (SPEC §6.2)", () => {
  it("keeps key-safe commits and hashes the rest", () => {
    expect(commitKey("0123abcdef")).toBe("0123abcdef");
    expect(commitKey("manual-18c-abc_1")).toBe("manual-18c-abc_1");
    expect(commitKey("a/b")).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(commitKey("x".repeat(129))).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(commitKey("x".repeat(128))).toBe("x".repeat(128));
    expect(commitKey("a b")).toBe("sha256-" + "c8687a08aa5d6ed2044328fa6a697ab8e96dc34291e8c2034ae8c38e6fcc6d65");
  });
});
