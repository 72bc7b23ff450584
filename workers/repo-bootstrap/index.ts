export { repoBootstrap } from "./repo-bootstrap.js";
export { HOOK_MODE, SOURCE_HOOK_NAMES, renderHookScript, webhookEndpoint, type HookScriptOptions } from "./hooks.js";
export { DEFAULT_GO_VERSION, runtimeFamily, runtimeVersion, starterFiles, type StarterFile } from "./starter.js";
