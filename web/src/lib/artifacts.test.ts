import { describe, expect, it } from "vitest";
import {
  artifactUrl,
  decodePreview,
  detectText,
  envArtifactLinks,
  filterArtifacts,
  groupArtifacts,
  incompleteUtf8Tail,
  parseContentRange,
  PREVIEW_LIMIT,
  quickLinks,
} from "./artifacts.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("text/binary detection", () => {
  it("treats UTF-8 text (with tabs, CRLF, escapes) as text", () => {
    expect(detectText(enc("apiVersion: v1\r\n\tkind: Service\n\u001b[1mbold\u001b[0m"))).toContain("kind: Service");
    expect(detectText(enc("héllo wörld ✓"))).toBe("héllo wörld ✓");
    expect(detectText(new Uint8Array(0))).toBe("");
  });
  it("treats NUL bytes, invalid UTF-8 and control-heavy data as binary", () => {
    expect(detectText(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]))).toBeNull();
    expect(detectText(new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0x68]))).toBeNull();
    expect(detectText(new Uint8Array([1, 2, 3, 4, 5, 0x61, 0x62, 0x63]))).toBeNull();
  });
  it("ignores a multi-byte character cut off by truncation", () => {
    const bytes = enc("ok ✓"); // ✓ is 3 bytes
    expect(incompleteUtf8Tail(bytes.subarray(0, bytes.length - 1))).toBe(2);
    expect(incompleteUtf8Tail(bytes.subarray(0, bytes.length - 2))).toBe(1);
    expect(incompleteUtf8Tail(bytes)).toBe(0);
    expect(detectText(bytes.subarray(0, bytes.length - 1))).toBe("ok ");
    expect(incompleteUtf8Tail(enc("plain"))).toBe(0);
  });
});

describe("decodePreview", () => {
  it("shows small text files whole", () => {
    expect(decodePreview(enc("local/shop:abc\n"), 15)).toEqual({
      kind: "text",
      text: "local/shop:abc\n",
      size: 15,
      shown: 15,
      truncated: false,
    });
  });
  it("truncates at 20 000 bytes and reports the full size", () => {
    const big = enc("x".repeat(PREVIEW_LIMIT + 500));
    const p = decodePreview(big, big.length);
    expect(p.kind).toBe("text");
    if (p.kind !== "text") return;
    expect(p.text.length).toBe(20_000);
    expect(p.shown).toBe(20_000);
    expect(p.size).toBe(20_500);
    expect(p.truncated).toBe(true);
    // A Range request returned only the head: the size comes from Content-Range.
    const head = decodePreview(enc("y".repeat(PREVIEW_LIMIT)), 1_000_000);
    expect(head).toMatchObject({ kind: "text", shown: 20_000, size: 1_000_000, truncated: true });
  });
  it("reports binary files without text", () => {
    expect(decodePreview(new Uint8Array([0, 1, 2, 3]), 4096)).toEqual({ kind: "binary", size: 4096 });
  });
});

describe("artifact helpers", () => {
  it("encodes each path segment of the download URL", () => {
    expect(artifactUrl("shop", "build/image.txt")).toBe("/api/projects/shop/artifacts/build/image.txt");
    expect(artifactUrl("shop", "a b/c#d?.txt")).toBe("/api/projects/shop/artifacts/a%20b/c%23d%3F.txt");
  });
  it("parses Content-Range totals", () => {
    expect(parseContentRange("bytes 0-19999/123456")).toBe(123456);
    expect(parseContentRange("bytes */10")).toBe(10);
    expect(parseContentRange(null)).toBeUndefined();
    expect(parseContentRange("bytes 0-1/*")).toBeUndefined();
  });
  const files = [
    "build/Dockerfile",
    "build/image.txt",
    "deploy/dev/rendered.yaml",
    "deploy/dev/service.yaml",
    "repos/manifests/overlays/dev/image.txt",
    "README",
  ];
  it("filters by every term", () => {
    expect(filterArtifacts(files, "DEV yaml")).toEqual(["deploy/dev/rendered.yaml", "deploy/dev/service.yaml"]);
    expect(filterArtifacts(files, "")).toBe(files);
  });
  it("groups by first segment in order", () => {
    expect(groupArtifacts(files).map((g) => [g.group, g.files.length])).toEqual([
      ["build", 2],
      ["deploy", 2],
      ["repos", 1],
      ["(root)", 1],
    ]);
  });
  it("offers quick links and environment links only for existing files", () => {
    expect(quickLinks(files).map((q) => q.path)).toEqual([
      "build/image.txt",
      "build/Dockerfile",
      "deploy/dev/rendered.yaml",
    ]);
    expect(envArtifactLinks("dev", files).map((l) => l.label)).toEqual(["rendered", "service", "image marker"]);
    expect(envArtifactLinks("prod", files)).toEqual([]);
  });
});
