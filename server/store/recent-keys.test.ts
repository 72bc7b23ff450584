import { describe, expect, it } from "vitest";
import { RecentKeys } from "./recent-keys.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A clock the test moves. */
function clock(start = Date.UTC(2026, 0, 2)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("RecentKeys", () => {
  it("is not authoritative until complete; a held key is always a hit", () => {
    const keys = new RecentKeys({ ttlMs: DAY });
    keys.add("p.a");
    expect(keys.has("p.a")).toBe(true);
    expect(keys.has("p.b")).toBeUndefined();
    keys.complete = true;
    expect(keys.has("p.b")).toBe(false);
  });

  it("forgets keys past the bucket's max age (they are gone from the KV as well)", () => {
    const c = clock();
    const keys = new RecentKeys({ ttlMs: DAY, now: c.now });
    keys.complete = true;
    keys.add("p.old");
    c.advance(DAY - 1);
    expect(keys.has("p.old")).toBe(true);
    c.advance(2);
    // Expired but not yet pruned: not trusted either way.
    expect(keys.has("p.old")).toBeUndefined();
    keys.add("p.new"); // every add prunes the expired front
    expect(keys.size).toBe(1);
    expect(keys.has("p.old")).toBe(false);
    expect(keys.filterCount).toBe(0); // expired keys are dropped, not remembered
  });

  it("keeps at most maxEntries keys exactly and the older ones in a filter: a filter hit asks the KV", () => {
    const keys = new RecentKeys({ ttlMs: DAY, maxEntries: 100 });
    keys.complete = true;
    for (let i = 0; i < 1000; i++) keys.add(`p.d-${i}`);
    expect(keys.size).toBe(100);
    expect(keys.filterCount).toBe(1);
    for (let i = 900; i < 1000; i++) expect(keys.has(`p.d-${i}`)).toBe(true);
    // Evicted keys are never reported absent (no false negatives).
    for (let i = 0; i < 900; i++) expect(keys.has(`p.d-${i}`)).toBeUndefined();
    // Keys never added are almost always ruled out without a round trip.
    let maybe = 0;
    for (let i = 0; i < 10_000; i++) if (keys.has(`p.fresh-${i}`) === undefined) maybe++;
    expect(maybe).toBeLessThan(100);
  });

  it("starts a new filter when one is full and drops filters whose keys have all expired", () => {
    const c = clock();
    const keys = new RecentKeys({ ttlMs: DAY, maxEntries: 10, filterCapacity: 50, now: c.now });
    keys.complete = true;
    for (let i = 0; i < 110; i++) keys.add(`p.a-${i}`); // 100 evicted: two full filters
    expect(keys.filterCount).toBe(2);
    c.advance(DAY + 1);
    for (let i = 0; i < 11; i++) keys.add(`p.b-${i}`); // one eviction into a fresh filter; the old ones expire
    expect(keys.filterCount).toBe(1);
    expect(keys.has("p.a-0")).toBe(false);
  });

  it("asks the KV for every miss while a dropped filter's keys may still be in the bucket", () => {
    const c = clock();
    const keys = new RecentKeys({ ttlMs: DAY, maxEntries: 10, filterCapacity: 10, maxFilters: 2, now: c.now });
    keys.complete = true;
    for (let i = 0; i < 40; i++) keys.add(`p.k-${i}`); // 30 evicted: 3 filters needed, only 2 kept
    expect(keys.filterCount).toBe(2);
    expect(keys.has("p.never-added")).toBeUndefined();
    c.advance(DAY + 1); // the dropped filter's keys have expired from the bucket by now
    keys.add("p.later");
    expect(keys.has("p.never-added")).toBe(false);
  });

  it("a removed key is a miss again; adding a held key keeps its first time", () => {
    const c = clock();
    const keys = new RecentKeys({ ttlMs: DAY, now: c.now });
    keys.complete = true;
    keys.add("p.x");
    c.advance(DAY - 10);
    keys.add("p.x");
    c.advance(20);
    expect(keys.has("p.x")).toBeUndefined(); // expired by its first time
    keys.add("p.y");
    keys.remove("p.y");
    expect(keys.has("p.y")).toBe(false);
  });

  it("stays bounded under a long stream of keys", () => {
    const keys = new RecentKeys({ ttlMs: DAY, maxEntries: 1000, filterCapacity: 20_000 });
    keys.complete = true;
    for (let i = 0; i < 200_000; i++) keys.add(`project.delivery-${i}`);
    expect(keys.size).toBe(1000);
    expect(keys.filterCount).toBe(10);
    expect(keys.has("project.delivery-199999")).toBe(true);
    expect(keys.has("project.delivery-5")).toBeUndefined();
  });
});
