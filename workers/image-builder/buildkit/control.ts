import type http2 from "node:http2";
import protobuf from "protobufjs";
import { parseBuildkitAddr, type BuildkitAddress } from "./address.js";
import { connectBuildkit, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions } from "./transport.js";
import { grpcServerStream, grpcUnary } from "./grpc.js";

/*
 * The subset of BuildKit's Control API this client uses, written out by hand. Field numbers and types are those of
 * moby/buildkit api/services/control/control.proto, api/types/worker.proto and solver/pb/ops.proto (Platform);
 * names keep upstream's spelling. Omitted upstream fields (SolveRequest.Definition = 2, Cache = 8,
 * FrontendInputs = 10, Internal = 11, SourcePolicy = 12, Exporters = 13, …; Vertex.progressGroup = 8;
 * VertexWarning.info/ranges; WorkerRecord.GCPolicy/BuildkitVersion) are never sent and are skipped when received.
 * google.protobuf.Timestamp is declared locally with its wire shape so nothing has to be loaded at run time.
 */
const CONTROL_PROTO = `
syntax = "proto3";
package moby.buildkit.v1;

message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}

message SolveRequest {
  string Ref = 1;
  string Exporter = 3;
  map<string, string> ExporterAttrs = 4;
  string Session = 5;
  string Frontend = 6;
  map<string, string> FrontendAttrs = 7;
  repeated string Entitlements = 9;
}

message SolveResponse {
  map<string, string> ExporterResponse = 1;
}

message StatusRequest {
  string Ref = 1;
}

message StatusResponse {
  repeated Vertex vertexes = 1;
  repeated VertexStatus statuses = 2;
  repeated VertexLog logs = 3;
  repeated VertexWarning warnings = 4;
}

message Vertex {
  string digest = 1;
  repeated string inputs = 2;
  string name = 3;
  bool cached = 4;
  Timestamp started = 5;
  Timestamp completed = 6;
  string error = 7;
}

message VertexStatus {
  string ID = 1;
  string vertex = 2;
  string name = 3;
  int64 current = 4;
  int64 total = 5;
  Timestamp timestamp = 6;
  Timestamp started = 7;
  Timestamp completed = 8;
}

message VertexLog {
  string vertex = 1;
  Timestamp timestamp = 2;
  int64 stream = 3;
  bytes msg = 4;
}

message VertexWarning {
  string vertex = 1;
  int64 level = 2;
  bytes short = 3;
  repeated bytes detail = 4;
  string url = 5;
}

message ListWorkersRequest {
  repeated string filter = 1;
}

message ListWorkersResponse {
  repeated moby.buildkit.v1.types.WorkerRecord record = 1;
}
`;

const WORKER_PROTO = `
syntax = "proto3";
package moby.buildkit.v1.types;

message WorkerRecord {
  string ID = 1;
  map<string, string> Labels = 2;
  repeated pb.Platform platforms = 3;
}
`;

const OPS_PROTO = `
syntax = "proto3";
package pb;

message Platform {
  string Architecture = 1;
  string OS = 2;
  string Variant = 3;
  string OSVersion = 4;
  repeated string OSFeatures = 5;
}
`;

const root = new protobuf.Root();
for (const src of [OPS_PROTO, WORKER_PROTO, CONTROL_PROTO]) protobuf.parse(src, root, { keepCase: true });
root.resolveAll();

const T = {
  SolveRequest: root.lookupType("moby.buildkit.v1.SolveRequest"),
  SolveResponse: root.lookupType("moby.buildkit.v1.SolveResponse"),
  StatusRequest: root.lookupType("moby.buildkit.v1.StatusRequest"),
  StatusResponse: root.lookupType("moby.buildkit.v1.StatusResponse"),
  ListWorkersRequest: root.lookupType("moby.buildkit.v1.ListWorkersRequest"),
  ListWorkersResponse: root.lookupType("moby.buildkit.v1.ListWorkersResponse"),
};

/** The gRPC service path prefix. */
export const CONTROL_SERVICE = "moby.buildkit.v1.Control";
export const controlPath = (method: "ListWorkers" | "Solve" | "Status") => `/${CONTROL_SERVICE}/${method}`;

// ---- message shapes ---------------------------------------------------------------------------------------------

export interface SolveRequest {
  ref: string;
  /** Single-exporter form (upstream `Exporter`, field 3): `image`, `moby`, … */
  exporter?: string;
  exporterAttrs?: Record<string, string>;
  session?: string;
  frontend?: string;
  frontendAttrs?: Record<string, string>;
  entitlements?: string[];
}

export interface SolveResponse {
  exporterResponse: Record<string, string>;
}

export interface Vertex {
  digest: string;
  inputs: string[];
  name: string;
  cached: boolean;
  started?: Date;
  completed?: Date;
  error: string;
}

export interface VertexStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  timestamp?: Date;
  started?: Date;
  completed?: Date;
}

export interface VertexLog {
  vertex: string;
  timestamp?: Date;
  /** 1 = stdout, 2 = stderr. */
  stream: number;
  msg: Buffer;
}

export interface VertexWarning {
  vertex: string;
  level: number;
  short: Buffer;
  detail: Buffer[];
  url: string;
}

export interface StatusResponse {
  vertexes: Vertex[];
  statuses: VertexStatus[];
  logs: VertexLog[];
  warnings: VertexWarning[];
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface WorkerRecord {
  id: string;
  labels: Record<string, string>;
  platforms: Platform[];
}

export interface ListWorkersResponse {
  record: WorkerRecord[];
}

// ---- encode / decode --------------------------------------------------------------------------------------------

// protobufjs decodes to untyped objects; the mappers below type them.
type Obj = Record<string, any>;

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, arrays: true, objects: true, defaults: false };

function decode(type: protobuf.Type, buf: Uint8Array): Obj {
  return type.toObject(type.decode(buf), TO_OBJECT);
}

function encode(type: protobuf.Type, obj: Obj): Uint8Array {
  // Only set fields are given, so proto3 defaults are never written.
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  const err = type.verify(obj);
  if (err) throw new Error(`${type.name}: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

function time(t: Obj | undefined | null): Date | undefined {
  if (!t) return undefined;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6));
}

function timeObj(d: Date | undefined): Obj | undefined {
  if (!d) return undefined;
  const ms = d.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const buf = (v: unknown): Buffer => (v instanceof Uint8Array ? Buffer.from(v) : Buffer.alloc(0));
const nonEmpty = <T>(v: T[] | undefined): T[] | undefined => (v && v.length > 0 ? v : undefined);
const nonEmptyMap = (v: Record<string, string> | undefined) => (v && Object.keys(v).length > 0 ? v : undefined);

export function encodeSolveRequest(req: SolveRequest): Uint8Array {
  return encode(T.SolveRequest, {
    Ref: req.ref || undefined,
    Exporter: req.exporter || undefined,
    ExporterAttrs: nonEmptyMap(req.exporterAttrs),
    Session: req.session || undefined,
    Frontend: req.frontend || undefined,
    FrontendAttrs: nonEmptyMap(req.frontendAttrs),
    Entitlements: nonEmpty(req.entitlements),
  });
}

export function decodeSolveRequest(b: Uint8Array): SolveRequest {
  const o = decode(T.SolveRequest, b);
  return {
    ref: str(o.Ref),
    exporter: str(o.Exporter),
    exporterAttrs: o.ExporterAttrs ?? {},
    session: str(o.Session),
    frontend: str(o.Frontend),
    frontendAttrs: o.FrontendAttrs ?? {},
    entitlements: o.Entitlements ?? [],
  };
}

export function encodeSolveResponse(res: SolveResponse): Uint8Array {
  return encode(T.SolveResponse, { ExporterResponse: nonEmptyMap(res.exporterResponse) });
}

export function decodeSolveResponse(b: Uint8Array): SolveResponse {
  return { exporterResponse: decode(T.SolveResponse, b).ExporterResponse ?? {} };
}

export function encodeStatusRequest(ref: string): Uint8Array {
  return encode(T.StatusRequest, { Ref: ref || undefined });
}

export function decodeStatusRequest(b: Uint8Array): { ref: string } {
  return { ref: str(decode(T.StatusRequest, b).Ref) };
}

export function encodeStatusResponse(s: Partial<StatusResponse>): Uint8Array {
  return encode(T.StatusResponse, {
    vertexes: nonEmpty(
      s.vertexes?.map((v) => ({
        digest: v.digest || undefined,
        inputs: nonEmpty(v.inputs),
        name: v.name || undefined,
        cached: v.cached || undefined,
        started: timeObj(v.started),
        completed: timeObj(v.completed),
        error: v.error || undefined,
      })),
    ),
    statuses: nonEmpty(
      s.statuses?.map((v) => ({
        ID: v.id || undefined,
        vertex: v.vertex || undefined,
        name: v.name || undefined,
        current: v.current || undefined,
        total: v.total || undefined,
        timestamp: timeObj(v.timestamp),
        started: timeObj(v.started),
        completed: timeObj(v.completed),
      })),
    ),
    logs: nonEmpty(
      s.logs?.map((l) => ({
        vertex: l.vertex || undefined,
        timestamp: timeObj(l.timestamp),
        stream: l.stream || undefined,
        msg: l.msg.length ? l.msg : undefined,
      })),
    ),
    warnings: nonEmpty(
      s.warnings?.map((w) => ({
        vertex: w.vertex || undefined,
        level: w.level || undefined,
        short: w.short.length ? w.short : undefined,
        detail: nonEmpty(w.detail),
        url: w.url || undefined,
      })),
    ),
  });
}

export function decodeStatusResponse(b: Uint8Array): StatusResponse {
  const o = decode(T.StatusResponse, b);
  return {
    vertexes: (o.vertexes ?? []).map((v: Obj) => ({
      digest: str(v.digest),
      inputs: v.inputs ?? [],
      name: str(v.name),
      cached: v.cached === true,
      started: time(v.started),
      completed: time(v.completed),
      error: str(v.error),
    })),
    statuses: (o.statuses ?? []).map((v: Obj) => ({
      id: str(v.ID),
      vertex: str(v.vertex),
      name: str(v.name),
      current: Number(v.current ?? 0),
      total: Number(v.total ?? 0),
      timestamp: time(v.timestamp),
      started: time(v.started),
      completed: time(v.completed),
    })),
    logs: (o.logs ?? []).map((l: Obj) => ({
      vertex: str(l.vertex),
      timestamp: time(l.timestamp),
      stream: Number(l.stream ?? 0),
      msg: buf(l.msg),
    })),
    warnings: (o.warnings ?? []).map((w: Obj) => ({
      vertex: str(w.vertex),
      level: Number(w.level ?? 0),
      short: buf(w.short),
      detail: (w.detail ?? []).map(buf),
      url: str(w.url),
    })),
  };
}

export function encodeListWorkersRequest(filter: string[] = []): Uint8Array {
  return encode(T.ListWorkersRequest, { filter: nonEmpty(filter) });
}

export function encodeListWorkersResponse(res: ListWorkersResponse): Uint8Array {
  return encode(T.ListWorkersResponse, {
    record: nonEmpty(
      res.record.map((w) => ({
        ID: w.id || undefined,
        Labels: nonEmptyMap(w.labels),
        platforms: nonEmpty(
          w.platforms.map((p) => ({
            Architecture: p.architecture || undefined,
            OS: p.os || undefined,
            Variant: p.variant || undefined,
          })),
        ),
      })),
    ),
  });
}

export function decodeListWorkersResponse(b: Uint8Array): ListWorkersResponse {
  const o = decode(T.ListWorkersResponse, b);
  return {
    record: (o.record ?? []).map((w: Obj) => ({
      id: str(w.ID),
      labels: w.Labels ?? {},
      platforms: (w.platforms ?? []).map((p: Obj) => ({
        architecture: str(p.Architecture),
        os: str(p.OS),
        ...(p.Variant ? { variant: str(p.Variant) } : {}),
      })),
    })),
  };
}

// ---- client -----------------------------------------------------------------------------------------------------

export interface BuildkitClientOptions {
  /** Bound on establishing the connection (default 5 s; calls with a shorter deadline use theirs). */
  connectTimeoutMs?: number;
}

/**
 * A BuildKit Control API client over one lazily opened HTTP/2 connection (reopened when it has closed).
 * Connection failures reject with `BuildkitConnectError`; call failures with `GrpcError`.
 */
export class BuildkitClient {
  readonly addr: string;
  readonly address: BuildkitAddress;
  private readonly connectTimeoutMs: number;
  private session: Promise<http2.ClientHttp2Session> | undefined;
  private closed = false;

  constructor(addr: string, opts: BuildkitClientOptions = {}) {
    this.address = parseBuildkitAddr(addr);
    this.addr = this.address.raw;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The open session, connecting first when needed. */
  async connect(opts: ConnectOptions = {}): Promise<http2.ClientHttp2Session> {
    if (this.closed) throw new Error(`buildkit client for ${this.addr} is closed`);
    if (this.session) {
      const s = await this.session.catch(() => undefined);
      if (s && !s.closed && !s.destroyed) return s;
      this.session = undefined;
    }
    const p = connectBuildkit(this.address, {
      signal: opts.signal,
      timeoutMs: Math.min(opts.timeoutMs ?? this.connectTimeoutMs, this.connectTimeoutMs),
    });
    this.session = p;
    p.catch(() => {
      if (this.session === p) this.session = undefined;
    });
    return p;
  }

  /** ListWorkers with a deadline covering connect + call. */
  async listWorkers(deadlineMs = 1000, filter: string[] = []): Promise<WorkerRecord[]> {
    const start = Date.now();
    const session = await this.connect({ timeoutMs: deadlineMs });
    const remaining = Math.max(1, deadlineMs - (Date.now() - start));
    const res = await grpcUnary(session, controlPath("ListWorkers"), encodeListWorkersRequest(filter), {
      deadlineMs: remaining,
    });
    return decodeListWorkersResponse(res).record;
  }

  /** Solve; resolves with the exporter response once the build (and export) finished. */
  async solve(req: SolveRequest, signal?: AbortSignal, deadlineMs?: number): Promise<SolveResponse> {
    const session = await this.connect({ signal });
    const res = await grpcUnary(session, controlPath("Solve"), encodeSolveRequest(req), { signal, deadlineMs });
    return decodeSolveResponse(res);
  }

  /** The Status stream of the build `ref`; it ends when the build has finished. */
  async *status(ref: string, signal?: AbortSignal): AsyncGenerator<StatusResponse, void, undefined> {
    const session = await this.connect({ signal });
    for await (const m of grpcServerStream(session, controlPath("Status"), encodeStatusRequest(ref), { signal })) {
      yield decodeStatusResponse(m);
    }
  }

  /** Close the connection (graceful, then forced after 1 s). */
  async close(): Promise<void> {
    this.closed = true;
    const p = this.session;
    this.session = undefined;
    const s = await p?.catch(() => undefined);
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000);
      s.close(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
