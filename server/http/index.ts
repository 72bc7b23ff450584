export { createApp, route } from "./app.js";
export type { App, AppEnv, Method } from "./app.js";
export { startHttpServer } from "./server.js";
export type { HttpServer } from "./server.js";
export { Authenticator, tokenFingerprint, SESSION_COOKIE } from "./auth.js";
export { registerUiRoutes } from "./ui-routes.js";
export { createStaticFiles, defaultWebRoot } from "./static-files.js";
export { ApiError } from "./api-error.js";
export { BuildContextRegistry, registerBuildContextRoutes } from "./build-contexts.js";
