export { parseBuildkitAddr, BuildkitAddressError, type BuildkitAddress } from "./address.js";
export { connectBuildkit, BuildkitConnectError, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions } from "./transport.js";
export {
  GrpcError,
  GrpcStatus,
  GrpcFrameDecoder,
  encodeGrpcFrame,
  grpcUnary,
  grpcServerStream,
  type CallOptions,
} from "./grpc.js";
export {
  BuildkitClient,
  CONTROL_SERVICE,
  type BuildkitClientOptions,
  type SolveRequest,
  type SolveResponse,
  type StatusResponse,
  type Vertex,
  type VertexStatus,
  type VertexLog,
  type VertexWarning,
  type WorkerRecord,
  type Platform,
  type ListWorkersResponse,
} from "./control.js";
export {
  probeBuildkit,
  probeBuildkitAddr,
  DEFAULT_BUILDKIT_ADDRS,
  type ProbeAddrResult,
  type ProbeOptions,
} from "./probe.js";
export {
  runBuild,
  defaultExporter,
  formatBuildDuration,
  isConnectionFailure,
  MAX_VERTEX_EVENTS,
  type BuildkitExporter,
  type RunBuildOptions,
  type RunBuildResult,
  type VertexEvent,
} from "./build.js";
export {
  CircuitBreaker,
  CircuitOpenError,
  breakerFor,
  resetBreakers,
  type CircuitBreakerOptions,
} from "./circuit-breaker.js";
