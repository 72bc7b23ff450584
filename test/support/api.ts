/** Small fetch helpers for integration tests; every call has a timeout. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export const SAMPLE_SPEC = {
  apiVersion: "platform.example.com/v2",
  kind: "App",
  name: "shop-api",
  runtime: "go_1.26",
  capabilities: ["http"],
  environments: {
    dev: { vars: { LOG_LEVEL: "debug", LOG_FORMAT: "json" } },
    staging: { vars: { LOG_LEVEL: "info" } },
    prod: { vars: { LOG_LEVEL: "warn" } },
  },
  networkPolicies: { ingress: "internal", egress: "none" },
};

/** A parsed SSE frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: any;
  retry?: number;
}

/**
 * Read an SSE stream until it ends (or `until` says stop), returning the frames. Times out after `ms`.
 */
export async function readSse(
  url: string,
  headers: Record<string, string> = {},
  opts: { until?: (f: SseFrame, all: SseFrame[]) => boolean; ms?: number } = {},
): Promise<{ status: number; frames: SseFrame[]; headers: Headers }> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error("SSE read timed out")), opts.ms ?? 30_000);
  try {
    const res = await fetch(url, { headers, signal: ctrl.signal });
    const frames: SseFrame[] = [];
    if (!res.body) return { status: res.status, frames, headers: res.headers };
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      for (let idx = buf.indexOf("\n\n"); idx >= 0; idx = buf.indexOf("\n\n")) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const f: SseFrame = {};
        for (const line of block.split("\n")) {
          const c = line.indexOf(":");
          const k = line.slice(0, c);
          const v = line.slice(c + 1).trimStart();
          if (k === "id") f.id = v;
          else if (k === "event") f.event = v;
          else if (k === "data") f.data = JSON.parse(v);
          else if (k === "retry") f.retry = Number(v);
        }
        frames.push(f);
        if (opts.until?.(f, frames)) {
          ctrl.abort();
          return { status: res.status, frames, headers: res.headers };
        }
      }
    }
    return { status: res.status, frames, headers: res.headers };
  } finally {
    clearTimeout(timer);
  }
}

/** Wait until the op reaches done or error by following its event stream (no polling sleeps). */
export async function waitForOp(base: string, opId: string, headers: Record<string, string> = {}): Promise<any> {
  await readSse(`${base}/api/ops/${opId}/events`, headers, {
    until: (f) => f.event === "op.completed" || f.event === "op.failed",
    ms: 60_000,
  });
  return (await call(base, "GET", `/api/ops/${opId}`, undefined, headers)).body;
}
