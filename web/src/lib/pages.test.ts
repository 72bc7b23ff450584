import { describe, expect, it } from "vitest";
import { appendPage, firstPage, refreshFirstPage } from "./pages.js";

describe("paging", () => {
  const key = (x: { id: string }) => x.id;
  it("appends pages without duplicates and follows the cursor", () => {
    let list = firstPage({ items: [{ id: "c" }, { id: "b" }], next_cursor: "b" });
    list = appendPage(list, { items: [{ id: "b" }, { id: "a" }] }, key);
    expect(list).toEqual({ items: [{ id: "c" }, { id: "b" }, { id: "a" }], nextCursor: undefined });
  });
  it("re-reads the first page without losing older pages", () => {
    const loaded = { items: [{ id: "c" }, { id: "b" }, { id: "a" }], nextCursor: undefined };
    const fresh = refreshFirstPage(loaded, { items: [{ id: "d" }, { id: "c" }], next_cursor: "c" }, key);
    expect(fresh.items.map(key)).toEqual(["d", "c", "b", "a"]);
    expect(fresh.nextCursor).toBeUndefined();
    expect(refreshFirstPage(null, { items: [{ id: "d" }], next_cursor: "d" }, key)).toEqual({
      items: [{ id: "d" }],
      nextCursor: "d",
    });
  });
});
