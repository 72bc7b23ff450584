import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The web UI: built by `node scripts/build.mjs` into dist/web/, which the bundled server
// (dist/slipway.mjs) serves from `/` and `/assets/*`.
const apiTarget = process.env.SLIPWAY_API_URL; // e.g. http://127.0.0.1:8080 for `npx vite web/`

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: false,
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: true,
    target: "es2022",
    // The polyfill is only needed for old browsers and would be one more thing to audit against the CSP.
    modulePreload: { polyfill: false },
  },
  server: apiTarget ? { proxy: { "/api": { target: apiTarget, changeOrigin: true } } } : {},
});
