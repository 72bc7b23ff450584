import { describe, expect, it } from "vitest";
import { formatHash, parseHash } from "./route.js";

describe("route", () => {
  it("round-trips the hash", () => {
    expect(parseHash("")).toEqual({ view: "apps", appId: null, tab: "delivery" });
    expect(parseHash("#/audit")).toEqual({ view: "audit", appId: null, tab: "delivery" });
    expect(parseHash("#/app/shop/activity")).toEqual({ view: "apps", appId: "shop", tab: "activity" });
    expect(parseHash("#/app/shop/bogus").tab).toBe("delivery");
    expect(parseHash("#/app/Not Valid").appId).toBeNull();
    for (const h of ["#/apps", "#/audit", "#/app/shop/environments"]) expect(formatHash(parseHash(h))).toBe(h);
  });
});
