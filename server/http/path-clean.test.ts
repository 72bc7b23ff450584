import { describe, expect, it } from "vitest";
import { cleanRedirect } from "./path-clean.js";

// SPEC §0.6 step 1: a path with a `.` or `..` segment or an empty segment (`//`) → 301 to the cleaned path
// (query kept). A single trailing `/` is not an empty segment.
describe("cleanRedirect", () => {
  it.each([
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["//x", "/x"],
    ["/api//projects", "/api/projects"],
    ["/api/./projects", "/api/projects"],
    ["/api/projects/../ops", "/api/ops"],
    ["/api///projects", "/api/projects"],
    ["/./healthz", "/healthz"],
    ["/api/ops/./0123456789abcdef0123456789abcdef/events", "/api/ops/0123456789abcdef0123456789abcdef/events"],
  ])("%s → %s", (raw, cleaned) => {
    expect(cleanRedirect(raw)).toBe(cleaned);
  });

  it.each([
    ["/..", "/"],
    ["/.", "/"],
    ["/../..", "/"],
    ["/../a", "/a"],
    ["/a/b/../../..", "/"],
    ["/a/..", "/"],
  ])("never climbs above the root: %s → %s", (raw, cleaned) => {
    expect(cleanRedirect(raw)).toBe(cleaned);
  });

  it("keeps the query string unchanged", () => {
    expect(cleanRedirect("/a/./b?x=1")).toBe("/a/b?x=1");
    expect(cleanRedirect("/api//projects?limit=5&cursor=a/../b")).toBe("/api/projects?limit=5&cursor=a/../b");
    expect(cleanRedirect("/..?q=1")).toBe("/?q=1");
    expect(cleanRedirect("//x?")).toBe("/x?");
  });

  it("keeps a trailing slash on a dirty path", () => {
    expect(cleanRedirect("/a//")).toBe("/a/");
    expect(cleanRedirect("/a/./")).toBe("/a/");
    expect(cleanRedirect("/x/./y/")).toBe("/x/y/");
  });

  it.each([
    "/",
    "/healthz",
    "/api/projects",
    "/api/projects/",
    "/api/projects/demo/releases",
    "/app/",
    "/api/projects?x=/../..",
    "/api/projects?x=//y",
    "/a/.b",
    "/a/b.",
    "/a/..b",
    "/a/.../b",
    "/assets/index-abc.js",
    "/?q=1",
  ])("leaves the clean path %s alone (null)", (raw) => {
    expect(cleanRedirect(raw)).toBeNull();
  });

  it("redirects the empty-segment path // to /", () => {
    // `//` is an empty segment followed by nothing: §0.6 says an empty segment → 301 to the cleaned path.
    expect(cleanRedirect("//")).toBe("/");
    expect(cleanRedirect("//?a=1")).toBe("/?a=1");
  });

  it("is idempotent: a cleaned path is itself clean", () => {
    for (const raw of ["/a/./b", "/a/../b", "//x", "/api//projects/", "/..", "/a//b/./c/../d?x=1", "///"]) {
      const once = cleanRedirect(raw);
      expect(once, raw).not.toBeNull();
      expect(cleanRedirect(once as string), `${raw} → ${once}`).toBeNull();
    }
  });
});
