/** With PAAS_AUTH_TOKEN set, the page shows only the token form until a session exists; Sign out ends it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, type BrowserSession } from "../support/browser.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const TOKEN = "e2e-token-0123456789abcdef";
let dirs: Dirs;
let slipway: SlipwayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  dirs = await makeDirs();
  slipway = await startSlipway(dirs, { PAAS_AUTH_TOKEN: TOKEN });
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await slipway?.stop();
  await dirs?.cleanup();
});

describe("sign-in with a token", () => {
  it("shows only the token form, rejects a wrong token and accepts the right one", async () => {
    await page.goto(slipway.base);
    const form = page.locator("form.login-card");
    await form.waitFor();
    expect(await page.locator(".app-list, .system-strip").count()).toBe(0);
    await browser.screenshot("14-login");

    await form.locator("input[name=token]").fill("not-the-token-at-all");
    await form.getByRole("button", { name: "Sign in" }).click();
    await form.getByRole("alert").filter({ hasText: "That token was not accepted." }).waitFor();

    await form.locator("input[name=token]").fill(TOKEN);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "No apps yet" }).waitFor();
    await page.locator(".fact", { hasText: "Auth" }).filter({ hasText: "on" }).waitFor();
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === "slipway_session")?.httpOnly).toBe(true);
  });

  it("keeps the session across a reload, and Sign out returns to the form", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "No apps yet" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("form.login-card").waitFor();
    await page.reload();
    await page.locator("form.login-card").waitFor();
    expect((await browser.context.cookies()).some((c) => c.name === "slipway_session" && c.value !== "")).toBe(false);
  });

  it("returns to the form when the session stops working (any 401)", async () => {
    await page.locator("input[name=token]").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "No apps yet" }).waitFor();
    await browser.context.clearCookies();
    // The next poll of /api/projects answers 401.
    await page.locator("form.login-card").waitFor({ timeout: 15_000 });
  });
});
