// Keyboard: global shortcuts, tab-list arrows, modal focus trap (SPEC §13 "Shortcuts", accessibility).

export type Shortcut = "focus-search" | "refresh" | "artifacts" | "escape";

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export interface TargetLike {
  tagName?: string;
  isContentEditable?: boolean;
  type?: string;
}

const NON_TEXT_INPUTS = new Set(["button", "checkbox", "radio", "submit", "reset", "file", "range", "color", "image"]);

/** Typing into a field: inputs that take text, textareas, selects, contenteditable. */
export function isTypingTarget(t: TargetLike | null | undefined): boolean {
  if (!t) return false;
  if (t.isContentEditable) return true;
  const tag = (t.tagName ?? "").toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !NON_TEXT_INPUTS.has((t.type ?? "text").toLowerCase());
  return false;
}

/** `/`, `r`, `a`, `Escape` — ignored while typing in a field or with Ctrl/Meta/Alt held. */
export function shortcutFor(e: KeyLike, target: TargetLike | null | undefined): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (isTypingTarget(target)) return null;
  switch (e.key) {
    case "/":
      return "focus-search";
    case "r":
    case "R":
      return "refresh";
    case "a":
    case "A":
      return "artifacts";
    case "Escape":
      return "escape";
    default:
      return null;
  }
}

/** ArrowLeft/ArrowRight (wrapping), Home, End in a tab list; null for other keys. */
export function nextTabIndex(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case "ArrowRight":
      return (current + 1) % count;
    case "ArrowLeft":
      return (current - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/**
 * Focus trap: where Tab (or Shift+Tab) should go from focusable element `current` (-1 = focus is outside the
 * list); null lets the browser move focus normally.
 */
export function trapFocusIndex(current: number, count: number, shift: boolean): number | null {
  if (count === 0) return null;
  if (current === -1) return shift ? count - 1 : 0;
  if (shift && current === 0) return count - 1;
  if (!shift && current === count - 1) return 0;
  return null;
}
