export { imageBuilder, imageRefFor, latestBuildImage } from "./image-builder.js";
export { resolveBuilderMode, buildStartMessage, builderModeFields } from "./mode.js";
export type { ProbeResult } from "./mode.js";
export { generateDockerfile } from "./dockerfile.js";
export { probeBuildkit, DEFAULT_BUILDKIT_ADDRS } from "./buildkit/index.js";
