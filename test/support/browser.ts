/** Debian's Chromium driven through playwright-core for the end-to-end suites (no browser is ever downloaded). */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where every e2e suite saves its screenshots (git-ignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, "../../test-output/screenshots");

/** Fails (never skips) when Chromium is missing, naming the fix. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the end-to-end UI tests need it. Run "make setup" (it installs it) ` +
        `or "apt-get install -y chromium".`,
    );
  }
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Save `test-output/screenshots/<name>.png` and return its path. */
  screenshot(name: string, opts?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** One Chromium with a fresh user-data dir (so no cookies or storage leak between files) and one page. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserSession> {
  requireChromium();
  const userDataDir = await mkdtemp(join(tmpdir(), "slipway-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    async screenshot(name, opts = {}) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: opts.fullPage ?? false, animations: "disabled" });
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`uncaught page errors:\n${errors.join("\n")}`);
    },
  };
}
