import { configDefaults, defineConfig } from "vitest/config";

// Two projects (DESIGN §4): fast unit tests beside the code, and integration tests that start real services.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{cmd,server,workers,scripts}/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          // test/e2e/ is its own project (below): one browser per file, files run one at a time.
          exclude: [...configDefaults.exclude, "test/chaos/**", "test/e2e/**"],
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The web UI's pure logic (reducers, SSE controller, search/filter/sort, …): no DOM needed.
        test: {
          name: "web",
          include: ["web/src/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
        },
      },
      {
        // Real Chromium (/usr/bin/chromium through playwright-core) against a real Slipway from dist/.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      // Chaos and abuse suites (issue 7, `make chaos`): minutes long, so only when asked for by name.
      ...(chaosRequested()
        ? [
            {
              test: {
                name: "chaos",
                include: ["test/chaos/**/*.test.ts"],
                // One file at a time: each suite loads the machine on purpose.
                fileParallelism: false,
                testTimeout: 600_000,
                hookTimeout: 180_000,
              },
            },
          ]
        : []),
    ],
  },
});

/** `vitest run --project chaos` (or SLIPWAY_CHAOS=1): a plain `vitest run` / `npm test` leaves the chaos suites out. */
function chaosRequested(): boolean {
  const argv = process.argv;
  return (
    process.env.SLIPWAY_CHAOS === "1" ||
    argv.some((a, i) => a === "--project=chaos" || (a === "--project" && argv[i + 1] === "chaos"))
  );
}
