import { defineConfig } from "vitest/config";

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
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
