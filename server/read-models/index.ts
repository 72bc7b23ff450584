// Read models (SPEC §11, §7.7): pure functions over a project, its ops/releases and an artifact listing + reader.
export { byteCompare } from "./artifact-source.js";
export type { ArtifactSource, ReadArtifact } from "./artifact-source.js";
export {
  deliveredEnvironment,
  delivers,
  environmentStates,
  isProduction,
  orderedEnvironments,
  resolveEnvironment,
} from "./environments.js";
export type { DeliveryType, EnvironmentState, EnvironmentStatesInput, ImageSource } from "./environments.js";
export {
  artifactStats,
  buildJourney,
  journeyMilestones,
  journeySummary,
  nextAction,
  operationView,
  recentOperation,
} from "./journey.js";
export type {
  ArtifactStats,
  Journey,
  JourneyInput,
  Milestone,
  MilestoneStatus,
  NextAction,
  NextActionKind,
} from "./journey.js";
export { buildOverview, overviewEnvironments } from "./overview.js";
export type { HealthStatus, Overview, OverviewEnvironment, OverviewInput } from "./overview.js";
export {
  canonicalRendered,
  compareReleases,
  deploymentSnapshot,
  deploymentVars,
  orderedRelease,
  sortedJson,
  varsDigest,
} from "./compare.js";
export type { CompareInput, CompareResponse } from "./compare.js";
