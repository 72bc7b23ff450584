import { describe, it, expect } from "vitest";
import { imageDigest, joinImageRef, parseImageRef, splitImageRef } from "./image-ref.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("splitImageRef", () => {
  it("splits name and tag", () => {
    expect(splitImageRef("local/shop-api:0123456789ab")).toEqual({ name: "local/shop-api", tag: "0123456789ab" });
  });

  it("defaults a missing tag to latest", () => {
    expect(splitImageRef("local/shop-api")).toEqual({ name: "local/shop-api", tag: "latest" });
    expect(splitImageRef("nginx")).toEqual({ name: "nginx", tag: "latest" });
  });

  it("keeps a registry port in the name", () => {
    expect(splitImageRef("localhost:5000/a/b")).toEqual({ name: "localhost:5000/a/b", tag: "latest" });
    expect(splitImageRef("localhost:5000/a/b:v2")).toEqual({ name: "localhost:5000/a/b", tag: "v2" });
  });

  it("removes the digest before looking for the tag", () => {
    expect(splitImageRef(`local/shop-api:0123456789ab@${DIGEST}`)).toEqual({
      name: "local/shop-api",
      tag: "0123456789ab",
      digest: DIGEST,
    });
    expect(splitImageRef(`localhost:5000/a/b@${DIGEST}`)).toEqual({
      name: "localhost:5000/a/b",
      tag: "latest",
      digest: DIGEST,
    });
  });

  it("trims surrounding whitespace (image.txt ends in a newline)", () => {
    expect(splitImageRef(" local/x:t\n")).toEqual({ name: "local/x", tag: "t" });
  });
});

describe("parseImageRef and joinImageRef", () => {
  it("leaves the tag undefined when there is none", () => {
    expect(parseImageRef("app-image")).toEqual({ name: "app-image" });
    expect(parseImageRef("a/b:")).toEqual({ name: "a/b" });
  });

  it("round-trips references", () => {
    for (const ref of ["local/x:t", `local/x:t@${DIGEST}`, `localhost:5000/a/b@${DIGEST}`, "nginx"]) {
      expect(joinImageRef(parseImageRef(ref))).toBe(ref);
    }
  });
});

describe("imageDigest", () => {
  it("returns the sha256 part or undefined", () => {
    expect(imageDigest(`local/x:t@${DIGEST}`)).toBe(DIGEST);
    expect(imageDigest("local/x:t")).toBeUndefined();
  });
});
