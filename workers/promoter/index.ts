export { promoterWorkers } from "./promoter.js";
export { planRollback, ROLLBACK_SCOPES } from "./rollback-plan.js";
export type { RollbackPlan, RollbackPlanResult, RollbackRequest, RollbackScope } from "./rollback-plan.js";
export { sourceImage, releaseImage, configSnapshotPath, readArtifact, deploymentVars, kindsOf } from "./snapshots.js";
