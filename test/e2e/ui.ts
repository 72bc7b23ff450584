/** Page helpers shared by the end-to-end suites: every wait is on a DOM condition, never a fixed sleep. */
import type { Page } from "playwright-core";

export interface OpResult {
  id: string;
  status: string;
  kind: string;
}

/** The op the workspace's op strip follows right now ("" when none). */
export async function currentOpId(page: Page): Promise<string> {
  return (await page.locator(".op-strip").getAttribute("data-op-id")) ?? "";
}

/** Waits until the op strip follows an op other than `previous` of `kind` that reached done or error. */
export async function waitForOpEnd(page: Page, previous: string, kind: string, timeout = 90_000): Promise<OpResult> {
  const handle = await page.waitForFunction(
    ([prev, k]) => {
      const el = document.querySelector(".op-strip");
      const id = el?.getAttribute("data-op-id") ?? "";
      const status = el?.getAttribute("data-status") ?? "";
      const kind = el?.getAttribute("data-kind") ?? "";
      if (!id || id === prev || kind !== k || (status !== "done" && status !== "error")) return null;
      return { id, status, kind };
    },
    [previous, kind] as const,
    { timeout },
  );
  return (await handle.jsonValue()) as OpResult;
}

/** Selects a workspace tab by clicking it and waits for its panel. */
export async function openTab(page: Page, name: "Delivery" | "Environments" | "Activity"): Promise<void> {
  await page.getByRole("tab", { name }).click();
  await page.locator(`[role=tabpanel]#ws-panel-${name.toLowerCase()}`).waitFor();
}

/** Waits for a toast whose text contains `text` and returns its full text. */
export async function waitForToast(page: Page, text: string): Promise<string> {
  const toast = page.locator(".toast", { hasText: text }).first();
  await toast.waitFor();
  return (await toast.textContent()) ?? "";
}
