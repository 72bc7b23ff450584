import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The Prometheus series of SPEC §12.3 plus process metrics, all prefixed `slipway_`. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  readonly opsTotal: Counter<"kind" | "status">;
  readonly stepDuration: Histogram<"worker" | "outcome">;
  readonly buildDuration: Histogram<"backend" | "outcome">;
  readonly auditWriteFailures: Counter;

  constructor(sources: { sseClients: () => number; natsConnected: () => boolean }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "slipway_" });
    this.httpRequests = new Counter({
      name: "slipway_http_requests_total",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "slipway_http_request_duration_seconds",
      help: "HTTP request duration by method and route pattern",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.opsTotal = new Counter({
      name: "slipway_ops_total",
      help: "Operations by kind and every status they entered",
      labelNames: ["kind", "status"],
      registers,
    });
    this.stepDuration = new Histogram({
      name: "slipway_step_duration_seconds",
      help: "Worker step durations by worker and outcome (ok, error, retry)",
      labelNames: ["worker", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.buildDuration = new Histogram({
      name: "slipway_build_duration_seconds",
      help: "Image build durations by backend (artifact, buildkit) and outcome",
      labelNames: ["backend", "outcome"],
      buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.auditWriteFailures = new Counter({
      name: "slipway_audit_write_failures_total",
      help: "Audit records that could not be written to PAAS_AUDIT",
      registers,
    });
    new Gauge({
      name: "slipway_sse_clients",
      help: "Open SSE connections",
      registers,
      collect() {
        this.set(sources.sseClients());
      },
    });
    new Gauge({
      name: "slipway_nats_connected",
      help: "1 while the NATS connection is up",
      registers,
      collect() {
        this.set(sources.natsConnected() ? 1 : 0);
      },
    });
  }
}
