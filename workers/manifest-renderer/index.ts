export { imageDigest, joinImageRef, parseImageRef, splitImageRef } from "./image-ref.js";
export type { ImageRefParts, RawImageRefParts } from "./image-ref.js";
export {
  BASE_IMAGE,
  CONTAINER_NAME,
  DEV_ENV,
  buildTree,
  environmentsOf,
  overlayVars,
  placeholderImage,
  staleOverlays,
} from "./kustomize.js";
export type { EnvVar, ManifestTree } from "./kustomize.js";
export { ManifestError, renderEnvironment, renderOverlay, splitRendered } from "./render.js";
export type { RenderedEnvironment } from "./render.js";
export { deployDir, historyDir, imageLineOf, renderFiles, renderPaths } from "./history.js";
export type { RenderPaths } from "./history.js";
export { manifestRenderer, deliverLatestBuildToDev } from "./manifest-renderer.js";
export {
  deliverEnvironment,
  requireManifestsOnMain,
  readMarkers,
  writeTree,
  commitTree,
  writeRender,
  readRender,
  recordRelease,
  writeAll,
  MANIFESTS,
} from "./deliver.js";
export type { DeliveryResult } from "./deliver.js";
export { validateManifests, validateManifestFiles } from "./validate.js";
