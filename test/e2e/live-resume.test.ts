/**
 * Live activity while operations are really running (PAAS_STEP_DELAY keeps each step open for 1.5 s, so the
 * mid-operation checks do not race a step's end): reloading the page mid-operation resumes the timeline without a
 * missing or duplicated step row or event, an active operation disables "Deliver to dev" and a second request shows
 * the 409 message, and a broken event stream falls back to polling.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { call, SAMPLE_SPEC } from "../support/api.js";
import { launchBrowser, type BrowserSession } from "../support/browser.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { currentOpId, openTab, waitForOpEnd, waitForToast } from "./ui.js";

const APP = "resume-app";
let dirs: Dirs;
let slipway: SlipwayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  dirs = await makeDirs();
  slipway = await startSlipway(dirs, { PAAS_STEP_DELAY: "1500ms" });
  browser = await launchBrowser();
  page = browser.page;
});

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

/** [worker, state] of every step row, in order. */
const stepRows = (p: Page) =>
  p
    .locator(".live-activity .timeline .step")
    .evaluateAll((els) => els.map((e) => [e.getAttribute("data-worker"), e.getAttribute("data-state")]));

describe("live activity", () => {
  it("resumes the timeline after a reload mid-operation without gaps or duplicates", async () => {
    const res = await call(slipway.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: APP,
      spec: { ...SAMPLE_SPEC, name: APP },
    });
    expect(res.status).toBe(202);
    const opId: string = res.body.op.id;

    await page.goto(`${slipway.base}/#/app/${APP}/activity`);
    const live = page.locator(`.live-activity[data-op-id="${opId}"]`);
    await live.waitFor();
    // Mid-operation: the second step is running (the first is done, the last two have not started).
    await live.locator('.step[data-index="2"][data-state="running"]').waitFor({ timeout: 30_000 });
    const before = await stepRows(page);
    expect(before.slice(0, 2)).toEqual([
      ["registrar", "done"],
      ["repoBootstrap", "running"],
    ]);
    expect(before).toHaveLength(4);
    expect(await live.getAttribute("data-status")).toBe("running");
    const heightMid = (await live.locator(".timeline").boundingBox())!.height;
    await browser.screenshot("11-mid-operation");

    await page.reload();
    await live.waitFor();
    // Right after the reload: still exactly four rows, and nothing that was done before went back.
    await live.locator('.step[data-index="1"][data-state="done"]').waitFor();
    const after = await stepRows(page);
    expect(after).toHaveLength(4);
    expect(after.map((r) => r[0])).toEqual(["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"]);
    expect(after[0]).toEqual(["registrar", "done"]);
    expect(["running", "done"]).toContain(after[1]![1]);
    expect(await live.getAttribute("data-status")).toBe("running");

    await page.locator(`.live-activity[data-op-id="${opId}"][data-status="done"]`).waitFor({ timeout: 60_000 });
    // No layout jump: finished steps (messages, durations, artifact counts) take the same room as pending ones.
    expect((await live.locator(".timeline").boundingBox())!.height).toBe(heightMid);
    expect(await stepRows(page)).toEqual([
      ["registrar", "done"],
      ["repoBootstrap", "done"],
      ["imageBuilder", "done"],
      ["manifestRenderer", "done"],
    ]);
    // The event stream replayed from the start: events 1..17, each once, in order.
    const seqs = await live
      .locator(".event-list li[data-seq]")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    expect(seqs).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(await live.getAttribute("data-transport")).toBe("closed");
    await browser.screenshot("12-after-reload-done");
  });

  it("disables Deliver to dev during an operation and explains a 409", async () => {
    await openTab(page, "Delivery");
    await page.waitForFunction(
      () => (document.querySelector("#deliver-dev") as HTMLButtonElement | null)?.disabled === false,
    );
    const before = await currentOpId(page);
    await page.locator("#build-latest").click();
    await waitForToast(page, "Build queued");
    expect(await page.locator("#deliver-dev").isDisabled()).toBe(true);
    expect(await page.locator("#deliver-reason").textContent()).toBe("An operation is active; wait for it to finish.");
    // A second build while the first runs: the server says 409 and the UI says why.
    await page.locator("#build-latest").click();
    const text = await waitForToast(page, "Another operation is already active for this app (");
    expect(text).toMatch(/Another operation is already active for this app \(ci [0-9a-f]{12}, (queued|running)\)\./);
    await browser.screenshot("13-conflict");
    const ci = await waitForOpEnd(page, before, "ci");
    expect(ci.status).toBe("done");
    await page.waitForFunction(
      () => (document.querySelector("#deliver-dev") as HTMLButtonElement | null)?.disabled === false,
    );
  });

  it("falls back to polling when the event stream is unavailable", async () => {
    // Every EventSource request fails: the browser gives up at once (non-200), the hook polls GET /api/ops/{id}.
    await page.route("**/api/ops/*/events*", (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: "{}" }),
    );
    await openTab(page, "Delivery");
    const before = await currentOpId(page);
    await page.locator("#deliver-dev").click();
    await openTab(page, "Activity");
    await page.locator('.live-activity[data-transport="polling"]').waitFor();
    const op = await waitForOpEnd(page, before, "deploy");
    expect(op.status).toBe("done");
    await page.locator('.live-activity[data-status="done"][data-transport="closed"]').waitFor();
    expect(await stepRows(page)).toEqual([["deployer", "done"]]);
    await page.unroute("**/api/ops/*/events*");
  });
});
