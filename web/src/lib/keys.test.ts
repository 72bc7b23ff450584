import { describe, expect, it } from "vitest";
import { isTypingTarget, nextTabIndex, shortcutFor, trapFocusIndex } from "./keys.js";

const body = { tagName: "BODY" };

describe("shortcuts", () => {
  it("maps /, r, a and Escape", () => {
    expect(shortcutFor({ key: "/" }, body)).toBe("focus-search");
    expect(shortcutFor({ key: "r" }, body)).toBe("refresh");
    expect(shortcutFor({ key: "a" }, body)).toBe("artifacts");
    expect(shortcutFor({ key: "Escape" }, body)).toBe("escape");
    expect(shortcutFor({ key: "x" }, body)).toBeNull();
  });
  it("ignores keys with Ctrl, Meta or Alt", () => {
    expect(shortcutFor({ key: "r", ctrlKey: true }, body)).toBeNull();
    expect(shortcutFor({ key: "a", metaKey: true }, body)).toBeNull();
    expect(shortcutFor({ key: "/", altKey: true }, body)).toBeNull();
  });
  it("ignores keys while typing in a field", () => {
    expect(shortcutFor({ key: "r" }, { tagName: "INPUT", type: "search" })).toBeNull();
    expect(shortcutFor({ key: "a" }, { tagName: "TEXTAREA" })).toBeNull();
    expect(shortcutFor({ key: "/" }, { tagName: "DIV", isContentEditable: true })).toBeNull();
    expect(shortcutFor({ key: "Escape" }, { tagName: "SELECT" })).toBeNull();
    // Buttons and checkboxes are not typing targets.
    expect(shortcutFor({ key: "r" }, { tagName: "BUTTON" })).toBe("refresh");
    expect(shortcutFor({ key: "r" }, { tagName: "INPUT", type: "checkbox" })).toBe("refresh");
  });
  it("classifies typing targets", () => {
    expect(isTypingTarget(null)).toBe(false);
    expect(isTypingTarget({ tagName: "input" })).toBe(true);
    expect(isTypingTarget({ tagName: "INPUT", type: "password" })).toBe(true);
    expect(isTypingTarget({ tagName: "INPUT", type: "radio" })).toBe(false);
  });
});

describe("tab keys", () => {
  it("wraps ArrowLeft/ArrowRight and jumps with Home/End", () => {
    expect(nextTabIndex("ArrowRight", 0, 3)).toBe(1);
    expect(nextTabIndex("ArrowRight", 2, 3)).toBe(0);
    expect(nextTabIndex("ArrowLeft", 0, 3)).toBe(2);
    expect(nextTabIndex("Home", 2, 3)).toBe(0);
    expect(nextTabIndex("End", 0, 3)).toBe(2);
    expect(nextTabIndex("Enter", 0, 3)).toBeNull();
    expect(nextTabIndex("ArrowRight", 0, 0)).toBeNull();
  });
});

describe("focus trap", () => {
  it("wraps at both ends and lets the browser move focus in between", () => {
    expect(trapFocusIndex(4, 5, false)).toBe(0);
    expect(trapFocusIndex(0, 5, true)).toBe(4);
    expect(trapFocusIndex(2, 5, false)).toBeNull();
    expect(trapFocusIndex(2, 5, true)).toBeNull();
    expect(trapFocusIndex(-1, 5, false)).toBe(0);
    expect(trapFocusIndex(-1, 5, true)).toBe(4);
    expect(trapFocusIndex(0, 0, false)).toBeNull();
  });
});
