/**
 * The whole journey in a real browser against a real Slipway: create an app and watch the timeline reach done, open
 * an artifact preview, build the latest source, deploy to dev, promote with the typed confirmation, release, roll
 * back, read the audit log, and use the keyboard. Steps share one app, so they run in order.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, type BrowserSession } from "../support/browser.js";
import { call } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { currentOpId, openTab, waitForOpEnd, waitForToast } from "./ui.js";

const APP = "shop-api";
let dirs: Dirs;
let slipway: SlipwayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  dirs = await makeDirs();
  slipway = await startSlipway(dirs);
  browser = await launchBrowser();
  page = browser.page;
});

// The steps build on each other: once one fails, the rest are reported as skipped instead of timing out one by one.
let broken = false;
beforeEach((ctx) => {
  if (broken) ctx.skip();
});
afterEach((ctx) => {
  if (ctx.task.result?.state === "fail") broken = true;
});

afterAll(async () => {
  await browser?.close();
  await slipway?.stop();
  await dirs?.cleanup();
});

describe("web UI journey", () => {
  it("shows the empty inventory, creates an app and follows its timeline to done", async () => {
    await page.goto(slipway.base);
    expect(await page.title()).toBe("Slipway");
    await page.getByRole("heading", { name: "No apps yet" }).waitFor();
    await page.locator(".fact", { hasText: "NATS" }).waitFor();
    await browser.screenshot("01-empty-inventory");

    await page.getByRole("button", { name: "Create your first app" }).click();
    const dialog = page.locator("dialog[data-dialog=app-form]");
    await dialog.waitFor();
    expect(await dialog.locator("select[name=runtime]").inputValue()).toBe("go_1.26");
    // The name field has focus (focus moved into the modal).
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("name");
    await dialog.locator("input[name=name]").fill(APP);
    await dialog.locator("input[name=project-id]").fill(APP);
    // A bad variable name, fixed with "Clean".
    await dialog.getByRole("button", { name: "+ Add variable" }).first().click();
    const key = dialog.getByLabel("dev variable 3 name", { exact: true });
    await key.fill("feature-flag");
    await dialog.getByLabel("dev variable 3 value", { exact: true }).fill("on");
    await dialog.getByRole("button", { name: "Clean dev variable 3 name" }).click();
    expect(await key.inputValue()).toBe("FEATURE_FLAG");
    await browser.screenshot("02-create-dialog");
    await dialog.locator("#app-form-submit").click();
    await dialog.waitFor({ state: "detached" });

    // The new app opens on its activity tab and the live timeline runs to done.
    await page.locator(`.workspace[data-project-id="${APP}"]`).waitFor();
    await page.locator(`.live-activity[data-status="done"]`).waitFor({ timeout: 90_000 });
    const rows = page.locator(".timeline .step");
    expect(await rows.count()).toBe(4);
    expect(
      await rows.evaluateAll((els) => els.map((e) => [e.getAttribute("data-worker"), e.getAttribute("data-state")])),
    ).toEqual([
      ["registrar", "done"],
      ["repoBootstrap", "done"],
      ["imageBuilder", "done"],
      ["manifestRenderer", "done"],
    ]);
    expect(await page.locator(".live-activity [data-progress]").textContent()).toBe("100%");
    await page.locator(".history tr[data-op-id]").first().waitFor();
    await waitForToast(page, "Create app finished");
    await browser.screenshot("03-activity-done");

    const spec = (await call(slipway.base, "GET", `/api/projects/${APP}`)).body.spec;
    expect(spec.environments.dev.vars).toEqual({ LOG_LEVEL: "debug", LOG_FORMAT: "json", FEATURE_FLAG: "on" });
  });

  it("opens an artifact preview with copy and download", async () => {
    const outputs = page.locator(".outputs");
    await outputs.getByRole("button", { name: "Image reference" }).click();
    const pane = outputs.locator('.preview-pane[data-path="build/image.txt"]');
    await pane.locator("pre[data-preview=text]").waitFor();
    expect(await pane.locator("pre").textContent()).toMatch(new RegExp(`^local/${APP}:[0-9a-f]{12}\\n$`));
    expect(await pane.getByRole("link", { name: "Download" }).getAttribute("href")).toBe(
      `/api/projects/${APP}/artifacts/build/image.txt`,
    );
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: slipway.base });
    await pane.getByRole("button", { name: "Copy" }).click();
    await waitForToast(page, "Copied build/image.txt");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await pane.locator("pre").textContent());
    // Filter the list down and open a manifest.
    await outputs.locator("input[name=artifact-filter]").fill("deploy dev rendered");
    await outputs.locator('.file-btn[data-path="deploy/dev/rendered.yaml"]').click();
    await outputs.locator('.preview-pane[data-path="deploy/dev/rendered.yaml"] pre').waitFor();
    expect(await outputs.locator(".preview-pane pre").textContent()).toContain("kind: Service");
    // Files dropped into the app's artifact directory: a big text file is truncated at 20 000 bytes, a binary one
    // gets a notice instead of a preview.
    const dir = join(slipway.artifactsRoot, APP, "notes");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "big.log"), "0123456789abcdef\n".repeat(3000)); // 51 000 bytes
    await writeFile(join(dir, "blob.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0xff]));
    await outputs.getByRole("button", { name: "Reload outputs" }).click();
    await outputs.locator("input[name=artifact-filter]").fill("notes");
    await outputs.locator('.file-btn[data-path="notes/big.log"]').click();
    const truncated = outputs.locator('.preview-pane[data-path="notes/big.log"] [data-preview=truncated]');
    await truncated.waitFor();
    expect(await truncated.textContent()).toBe("Showing the first 20,000 of 51,000 bytes.");
    expect((await outputs.locator(".preview-pane pre").textContent())?.length).toBe(20_000);
    await outputs.locator('.file-btn[data-path="notes/blob.bin"]').click();
    await outputs.locator('.preview-pane[data-path="notes/blob.bin"] [data-preview=binary]').waitFor();
    expect(await outputs.locator(".preview-pane pre").count()).toBe(0);
    await outputs.locator("input[name=artifact-filter]").fill("deploy dev rendered");
    await outputs.locator('.file-btn[data-path="deploy/dev/rendered.yaml"]').click();
    await outputs.locator('.preview-pane[data-path="deploy/dev/rendered.yaml"] pre').waitFor();
    await outputs.locator(".evidence").waitFor();
    expect(await outputs.locator(".evidence").textContent()).toContain("artifact");
    await outputs.scrollIntoViewIfNeeded();
    await browser.screenshot("04-outputs-preview");
  });

  it("builds the latest source through the webhook and shows an ignored reply as a warning", async () => {
    await openTab(page, "Delivery");
    let before = await currentOpId(page);
    await page.locator("#build-latest").click();
    await waitForToast(page, "Build queued for commit manual-");
    const ci = await waitForOpEnd(page, before, "ci");
    expect(ci.status).toBe("done");

    // The same commit twice: the second is ignored, which is a warning, not an error.
    await page.getByText("Advanced overrides").click();
    await page.locator("input[name=webhook-commit]").fill("e2e-fixed-commit");
    before = await currentOpId(page);
    await page.locator("#build-latest").click();
    await waitForOpEnd(page, before, "ci");
    await page.locator("#build-latest").click();
    await page.locator(".inline-warning", { hasText: "Webhook ignored: commit already processed." }).waitFor();
    await waitForToast(page, "Webhook ignored");
  });

  it("delivers to dev", async () => {
    const deliver = page.locator("#deliver-dev");
    await page.waitForFunction(
      () => (document.querySelector("#deliver-dev") as HTMLButtonElement | null)?.disabled === false,
    );
    const before = await currentOpId(page);
    await deliver.click();
    const op = await waitForOpEnd(page, before, "deploy");
    expect(op.status).toBe("done");
    await page.locator('[data-milestone="env-dev"][data-status="complete"]').waitFor();
    await page.locator('.next-action[data-next-kind="promote"]').waitFor();
    await browser.screenshot("05-delivery");
  });

  it("shows the /journey failure with a retry instead of a next step, then the API's next step", async () => {
    // The next step comes only from GET …/journey (SPEC §11.2); while it fails the panel says so and offers a retry.
    await page.route("**/api/projects/*/journey", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: "{}" }),
    );
    await page.getByRole("button", { name: "Close workspace" }).click();
    await page.locator(`.app-item[data-app-id="${APP}"]`).click();
    await openTab(page, "Delivery");
    const panel = page.locator(".journey");
    await panel.locator("[data-journey-error]").waitFor();
    expect(await panel.locator("[data-journey-error]").textContent()).toContain(
      "The journey did not load, so there is no next step to show",
    );
    expect(await panel.locator(".next-action").count()).toBe(0);
    expect(await panel.locator(".milestone").count()).toBe(0);
    // The overview still answers: its summary stays.
    expect(await panel.locator(".journey-summary").textContent()).toBe(
      "Delivery is underway: 1 of 3 environments are live.",
    );
    await browser.screenshot("05b-journey-error");

    await page.unroute("**/api/projects/*/journey");
    await panel.locator("#journey-retry").click();
    await panel.locator('.next-action[data-next-kind="promote"]').waitFor();
    expect(await panel.locator("[data-journey-error]").count()).toBe(0);
    await panel.locator('[data-milestone="env-dev"][data-status="complete"]').waitFor();
  });

  it("promotes dev to staging after typing the confirmation", async () => {
    await page.locator("select[name=promote-from]").selectOption("dev");
    await page.locator("select[name=promote-to]").selectOption("staging");
    await page.locator("#promote-preview").click();
    const dialog = page.locator("dialog[data-dialog=promote]");
    await dialog.locator('.change-summary[data-blocked="false"]').waitFor();
    expect(await dialog.locator(".change-summary").textContent()).toMatch(/^Promote image "local\/shop-api:/);
    expect(await dialog.locator(".gate").count()).toBe(5);
    const confirm = dialog.locator("#confirm-transition");
    const input = dialog.locator("input[name=confirm-text]");
    expect(await confirm.isDisabled()).toBe(true);
    await input.fill("promote dev to prod");
    expect(await confirm.isDisabled()).toBe(true);
    await input.fill("promote dev to staging");
    expect(await confirm.isEnabled()).toBe(true);
    await browser.screenshot("06-promote-dialog");
    const before = await currentOpId(page);
    await confirm.click();
    await dialog.waitFor({ state: "detached" });
    const op = await waitForOpEnd(page, before, "promote");
    expect(op.status).toBe("done");
    await page.locator('[data-milestone="env-staging"][data-status="complete"]').waitFor();
  });

  it("releases staging to prod", async () => {
    await page.locator('.next-action[data-next-kind="release"]').waitFor();
    // The journey's next-action button opens the release preview for staging → prod.
    await page.locator("#next-action-btn").click();
    const dialog = page.locator("dialog[data-dialog=promote]");
    await dialog.locator('.change-summary[data-blocked="false"]').waitFor();
    expect(await dialog.locator("kbd.phrase").textContent()).toBe("release staging to prod");
    await dialog.locator("input[name=confirm-text]").fill("release staging to prod");
    const before = await currentOpId(page);
    await dialog.locator("#confirm-transition").click();
    const op = await waitForOpEnd(page, before, "release");
    expect(op.status).toBe("done");
    await page.locator('.next-action[data-next-kind="none"]').waitFor();
    expect(await page.locator(".journey-summary").textContent()).toBe(
      "All configured environments have delivery evidence.",
    );
    // A clean shot for docs/screenshot.png: wait until the toasts (4.2 s each) are gone.
    await page.waitForFunction(() => document.querySelectorAll(".toast").length === 0, undefined, { timeout: 15_000 });
    // Fold the overrides if they are still open from the webhook step (reopening the workspace folds them too).
    const overrides = page.locator("details.advanced");
    if (await overrides.evaluate((d) => (d as HTMLDetailsElement).open)) await overrides.locator("summary").click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await browser.screenshot("07-journey-complete");
  });

  it("rolls dev back to an earlier release with a preflight and compare", async () => {
    await openTab(page, "Environments");
    const dev = page.locator('.release-timeline[data-env="dev"]');
    const releases = dev.locator(".release");
    await releases.nth(2).waitFor(); // create, ci, ci, deploy → at least 3 shown
    const target = (await releases.nth(1).getAttribute("data-release-id"))!;
    await releases.nth(1).getByRole("button", { name: "Use for rollback" }).click();
    const dialog = page.locator("dialog[data-dialog=rollback]");
    await dialog.waitFor();
    expect(await dialog.locator("select[name=rollback-release]").inputValue()).toBe(target);
    expect(await dialog.locator("#rollback-execute").isDisabled()).toBe(true);
    await dialog.locator("input[name=rollback-scope][value=code_and_config]").check();
    await dialog.locator("#rollback-preflight").click();
    await dialog.locator('.preflight-result[data-ready="true"]').waitFor();
    expect(await dialog.locator("[data-compare-summary]").textContent()).toMatch(/^Image changed: (true|false)\./);
    await browser.screenshot("08-rollback-dialog");
    // Changing the scope makes the preflight stale: execute is disabled until it runs again.
    await dialog.locator("input[name=rollback-scope][value=code_only]").check();
    expect(await dialog.locator("#rollback-execute").isDisabled()).toBe(true);
    await dialog.locator("#rollback-preflight").click();
    await dialog.locator('.preflight-result[data-ready="true"]').waitFor();
    const before = await currentOpId(page);
    await dialog.locator("#rollback-execute").click();
    await dialog.waitFor({ state: "detached" });
    const op = await waitForOpEnd(page, before, "rollback");
    expect(op.status).toBe("done");
    // The newest dev release is the rollback, pointing at the chosen release.
    await dev.locator(".release").first().locator("strong", { hasText: "rollback" }).waitFor();
    expect(await dev.locator(".release").first().textContent()).toContain(`rollback of ${target.slice(0, 12)}`);
    await browser.screenshot("09-environments", { fullPage: true });
  });

  it("lists history with paging and shows an older op in the live panel", async () => {
    await openTab(page, "Activity");
    const rows = page.locator(".history tr[data-op-id]");
    await rows.nth(6).waitFor(); // create, ci, ci, deploy, promote, release, rollback
    expect(await rows.count()).toBe(7);
    const create = rows.last();
    const createId = (await create.getAttribute("data-op-id"))!;
    await create.getByRole("button", { name: "View" }).click();
    await page.locator(`.live-activity[data-op-id="${createId}"][data-status="done"]`).waitFor();
    expect(await page.locator(".live-activity .timeline .step").count()).toBe(4);
  });

  it("shows the audit log with filters and export links", async () => {
    await page.getByRole("button", { name: "Audit", exact: true }).click();
    await page.getByRole("heading", { name: "Audit" }).waitFor();
    await page.locator('tr[data-action="delivery.rollback"]').first().waitFor();
    await page.locator("select[name=audit-action]").selectOption("delivery.promotion");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tr[data-action]")];
      return rows.length > 0 && rows.every((r) => r.getAttribute("data-action") === "delivery.promotion");
    });
    expect(await page.getByRole("link", { name: "Export CSV" }).getAttribute("href")).toBe(
      "/api/audit/export?format=csv&action=delivery.promotion",
    );
    await page.locator("select[name=audit-action]").selectOption("");
    await page.locator('tr[data-action="op.completed"]').first().waitFor();
    await browser.screenshot("10-audit");

    // More records than one page (50): 60 rejected deployments (400, audited like every mutating request).
    for (let i = 0; i < 60; i++) {
      const r = await call(slipway.base, "POST", "/api/events/deployment", { project_id: APP, environment: "qa" });
      expect(r.status).toBe(400);
    }
    await page.getByRole("button", { name: "Refresh" }).click();
    // The newest record on top is now one of those; the first page holds 50 of the 90-odd records.
    const rows = page.locator("tr[data-audit-id]");
    await page.waitForFunction(
      () => document.querySelector("tr[data-audit-id]")?.getAttribute("data-action") === "delivery.deploy",
    );
    expect(await rows.count()).toBe(50);
    await page.getByRole("button", { name: "Load older" }).click();
    await rows.nth(50).waitFor();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-audit-id")));
    expect(new Set(ids).size).toBe(ids.length);
    await page.locator('tr[data-action="op.completed"]').first().waitFor();
  });

  it("works from the keyboard: shortcuts, tab arrows, Escape", async () => {
    await page.getByRole("button", { name: "Apps", exact: true }).click();
    await page.locator(`.app-item[data-app-id="${APP}"]`).click();
    await page.locator(".workspace").waitFor();
    const tab = page.getByRole("tab", { name: "Delivery" });
    await tab.focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "Environments" }).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("End");
    expect(await page.getByRole("tab", { name: "Activity" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Activity");
    await page.keyboard.press("Home");
    expect(await page.getByRole("tab", { name: "Delivery" }).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tab", { name: "Activity" }).getAttribute("aria-selected")).toBe("true");

    // "a" reloads the outputs of the open app.
    await page.keyboard.press("a");
    await waitForToast(page, "Outputs reloaded.");

    // Escape closes an open dialog first (focus returns to its opener), then the workspace.
    await page.getByRole("button", { name: "Edit" }).click();
    const dialog = page.locator("dialog[data-dialog=app-form]");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.activeElement?.textContent === "Edit");
    await page.keyboard.press("Escape");
    await page.locator(".workspace").waitFor({ state: "detached" });

    // "r" refreshes, "/" focuses search; typing "r" in the search box is just text.
    await page.keyboard.press("r");
    await waitForToast(page, "Apps refreshed");
    await page.keyboard.press("/");
    await page.waitForFunction(() => document.activeElement?.id === "app-search");
    await page.keyboard.type("r");
    expect(await page.locator("#app-search").inputValue()).toBe("r");
    await page.locator("#app-search").fill("no-such-app");
    await page.getByText("No apps match the search and filter.").waitFor();
    await page.locator("#app-search").fill("");
  });

  it("stays usable in a narrow window", async () => {
    await page.setViewportSize({ width: 420, height: 860 });
    await page.locator(`.app-item[data-app-id="${APP}"]`).click();
    await page.locator(".workspace").waitFor();
    await page.locator(".journey .milestone").first().waitFor();
    await page.locator('.op-strip[data-status="done"]').waitFor();
    expect(await page.locator(".app-list").isVisible()).toBe(false); // the workspace takes the whole width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await browser.screenshot("15-narrow-workspace");
    await page.getByRole("button", { name: "Close workspace" }).click();
    await page.locator(".app-list").waitFor();
    await browser.screenshot("16-narrow-list");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("deletes the app after typing its name", async () => {
    await page.locator(`.app-item[data-app-id="${APP}"]`).click();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.locator("dialog[data-dialog=delete]");
    await dialog.waitFor();
    const confirm = dialog.locator("#delete-confirm-btn");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.locator("input[name=delete-confirm]").fill(APP);
    await confirm.click();
    await page.locator(".workspace").waitFor({ state: "detached", timeout: 60_000 });
    await page.getByRole("heading", { name: "No apps yet" }).waitFor();
    await waitForToast(page, "The app was deleted.");
  });
});
