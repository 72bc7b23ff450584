export { loadConfig, derivedLocalBaseUrl, isLoopbackHost } from "./config.js";
export type { Config, LogLevel } from "./config.js";
export { ConfigError } from "./errors.js";
export { parseDuration, formatDuration } from "./duration.js";
