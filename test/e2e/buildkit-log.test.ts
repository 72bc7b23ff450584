/**
 * The live build log against a real BuildKit (the Docker engine's, started privately by test/support/dockerd.ts):
 * step.progress events become log lines with DONE/CACHED marks, the outputs show the BuildKit evidence, and a commit
 * with a broken Dockerfile (pushed by the git hook, not by the page) ends in the error panel with its hint.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { call, SAMPLE_SPEC } from "../support/api.js";
import { launchBrowser, type BrowserSession } from "../support/browser.js";
import { startDockerd, type Dockerd } from "../support/dockerd.js";
import { git } from "../support/git.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const APP = "bk-ui";
let dockerd: Dockerd;
let dirs: Dirs;
let slipway: SlipwayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  dockerd = await startDockerd();
  dirs = await makeDirs();
  // No registry is reachable: the generated Dockerfile's base is `scratch`.
  slipway = await startSlipway(dirs, {
    PAAS_IMAGE_BUILDER_MODE: "buildkit",
    PAAS_BUILDKIT_ADDR: dockerd.addr,
    PAAS_BUILD_BASE_IMAGE: "scratch",
    PAAS_BUILD_TIMEOUT: "90s",
  });
  browser = await launchBrowser();
  page = browser.page;
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await slipway?.stop();
  await dirs?.cleanup();
  await dockerd?.stop();
});

describe("live BuildKit log", () => {
  it("streams build progress into the log and shows the BuildKit evidence", async () => {
    const res = await call(slipway.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: APP,
      spec: { ...SAMPLE_SPEC, name: APP, runtime: "static" },
    });
    expect(res.status).toBe(202);
    await page.goto(`${slipway.base}/#/app/${APP}/activity`);
    await page.locator(".fact", { hasText: "Builder" }).filter({ hasText: "buildkit" }).waitFor();
    const live = page.locator(`.live-activity[data-op-id="${res.body.op.id}"]`);
    await live.locator(".log li[data-seq]").first().waitFor({ timeout: 90_000 });
    await page.locator(`.live-activity[data-status="done"]`).waitFor({ timeout: 90_000 });
    const marks = await live.locator(".log li[data-seq] .log-mark").allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    expect(marks).toContain("DONE");
    // Log lines are step.progress events, each once, in sequence order.
    const seqs = await live
      .locator(".log li[data-seq]")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq"))));
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    const evidence = page.locator(".outputs .evidence");
    await evidence.waitFor();
    expect(await evidence.textContent()).toContain(dockerd.addr);
    await live.locator(".build-log").scrollIntoViewIfNeeded();
    await browser.screenshot("17-buildkit-log");
  });

  it("follows a ci op started by a git commit and shows the failure with its hint", async () => {
    const before = (await page.locator(".op-strip").getAttribute("data-op-id")) ?? "";
    const repo = join(slipway.artifactsRoot, APP, "repos/source");
    await writeFile(join(repo, "Dockerfile"), "FROM scratch\nCOPY missing.txt /missing.txt\n");
    git(repo, "add", "Dockerfile");
    git(repo, "commit", "-q", "-m", "fix: break the build");
    // The page did not start this op: it picks it up from the app's status and follows it.
    await page.waitForFunction(
      (prev) => {
        const el = document.querySelector(".op-strip");
        return el?.getAttribute("data-op-id") !== prev && el?.getAttribute("data-kind") === "ci";
      },
      before,
      { timeout: 30_000 },
    );
    const panel = page.locator(".live-activity .error-panel");
    await panel.waitFor({ timeout: 90_000 });
    expect(await panel.textContent()).toMatch(/missing\.txt/);
    // The server's SPEC §5.2 hint for this error (BuildKit says the file was "not found").
    expect(await panel.locator(".hint").textContent()).toBe(
      "Hint: Refresh project data. The target project or artifact may no longer exist.",
    );
    expect(await page.locator('.live-activity .step[data-index="1"]').getAttribute("data-state")).toBe("error");
    expect(await page.locator('.live-activity .step[data-index="2"]').getAttribute("data-state")).toBe("pending");
    await panel.scrollIntoViewIfNeeded();
    await browser.screenshot("18-build-failed");
  });
});
