export { NatsSupervisor, renderServerConfig, versionAtLeast } from "./supervisor.js";
export type { SupervisorOptions, SupervisorLogger } from "./supervisor.js";
export { BrokerStartError, NATS_NOT_FOUND_MESSAGE } from "./errors.js";
export { provisionJetStream, readinessChecks, BUCKETS, STREAMS, streamConfigs } from "./provision.js";
export type { Buckets, BucketName, JetStreamHandles } from "./provision.js";
