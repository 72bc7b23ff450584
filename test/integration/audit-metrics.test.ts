import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const TOKEN = "audit-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const FP = createHash("sha256").update(TOKEN).digest("hex").slice(0, 12);

let dirs: Dirs;
let sw: SlipwayProcess;
let opId = "";
let createRequestId = "";

/** RFC 4180 parser for the export (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") endField();
    else if (ch === "\r" && text[i + 1] === "\n") {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += ch;
  }
  if (field !== "" || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

beforeAll(async () => {
  dirs = await makeDirs();
  sw = await startSlipway(dirs, { PAAS_AUTH_TOKEN: TOKEN });
  const r = await call(
    sw.base,
    "POST",
    "/api/events/registration",
    { action: "create", project_id: "audited", spec: SAMPLE_SPEC },
    { ...AUTH, "X-Request-Id": "create-req-1" },
  );
  expect(r.status).toBe(202);
  opId = r.body.op.id;
  createRequestId = "create-req-1";
  await waitForOp(sw.base, opId, AUTH);
  // A rejected and an unauthorized request.
  expect(
    (await call(sw.base, "POST", "/api/events/registration", { action: "create", spec: { name: "Bad Name" } }, AUTH))
      .status,
  ).toBe(400);
  expect((await call(sw.base, "POST", "/api/projects", SAMPLE_SPEC, { "X-Request-Id": "no-creds" })).status).toBe(401);
});

afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

describe("audit trail", () => {
  it("records accepted, rejected, denied requests and the finished op", async () => {
    const r = await call(sw.base, "GET", "/api/audit", undefined, AUTH);
    expect(r.status).toBe(200);
    const items = r.body.items;
    const create = items.find((i: any) => i.action === "project.create" && i.outcome === "accepted");
    expect(create).toMatchObject({
      actor: `bearer:${FP}`,
      project_id: "audited",
      op_id: opId,
      status_code: 202,
      request_id: createRequestId,
      remote_addr: "127.0.0.1",
    });
    expect(create.id).toMatch(/^[0-9a-f]{32}$/);
    expect(items.find((i: any) => i.outcome === "rejected")).toMatchObject({
      action: "project.create",
      status_code: 400,
    });
    expect(items.find((i: any) => i.outcome === "denied")).toMatchObject({
      action: "project.create",
      actor: "anonymous",
      status_code: 401,
      request_id: "no-creds",
    });
    expect(items.find((i: any) => i.action === "op.completed")).toMatchObject({
      actor: "system",
      project_id: "audited",
      op_id: opId,
      outcome: "done",
      request_id: createRequestId,
      remote_addr: "127.0.0.1",
    });
    // Newest first.
    const times = items.map((i: any) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("pages with an opaque cursor and filters by project and action", async () => {
    const all = (await call(sw.base, "GET", "/api/audit?limit=500", undefined, AUTH)).body.items;
    const first = await call(sw.base, "GET", "/api/audit?limit=2", undefined, AUTH);
    expect(first.body.items).toEqual(all.slice(0, 2));
    const second = await call(sw.base, "GET", `/api/audit?limit=2&cursor=${first.body.next_cursor}`, undefined, AUTH);
    expect(second.body.items).toEqual(all.slice(2, 4));
    const byProject = (await call(sw.base, "GET", "/api/audit?project_id=audited", undefined, AUTH)).body.items;
    expect(byProject.length).toBeGreaterThan(0);
    expect(byProject.every((i: any) => i.project_id === "audited")).toBe(true);
    const byAction = (await call(sw.base, "GET", "/api/audit?action=op.completed", undefined, AUTH)).body.items;
    expect(byAction.map((i: any) => i.action)).toEqual(["op.completed"]);
    expect((await call(sw.base, "GET", "/api/audit?limit=0", undefined, AUTH)).body.error.code).toBe("BAD_LIMIT");
    expect((await call(sw.base, "GET", "/api/audit?cursor=nonsense", undefined, AUTH)).body.error.code).toBe(
      "BAD_CURSOR",
    );
    expect((await call(sw.base, "GET", "/api/audit")).status).toBe(401);
  });

  it("exports jsonl and csv that parse back into the same records, oldest first", async () => {
    const newestFirst = (await call(sw.base, "GET", "/api/audit?limit=500", undefined, AUTH)).body.items;
    const jsonl = await fetch(`${sw.base}/api/audit/export`, { headers: AUTH, signal: AbortSignal.timeout(10_000) });
    expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson");
    expect(jsonl.headers.get("content-disposition")).toBe('attachment; filename="slipway-audit.jsonl"');
    const records = (await jsonl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records).toEqual([...newestFirst].reverse());
    const csv = await fetch(`${sw.base}/api/audit/export?format=csv&project_id=audited`, {
      headers: AUTH,
      signal: AbortSignal.timeout(10_000),
    });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header).toEqual([
      "id",
      "at",
      "actor",
      "action",
      "project_id",
      "op_id",
      "outcome",
      "status_code",
      "request_id",
      "remote_addr",
    ]);
    const fromCsv = rows.map((r) => {
      const o: Record<string, unknown> = {};
      header.forEach((k, i) => {
        if (r[i] !== "") o[k] = k === "status_code" ? Number(r[i]) : r[i];
      });
      return o;
    });
    expect(fromCsv).toEqual(records.filter((x) => x.project_id === "audited"));
    expect((await call(sw.base, "GET", "/api/audit/export?format=xml", undefined, AUTH)).body.error.code).toBe(
      "BAD_FORMAT",
    );
  });
});

describe("/metrics", () => {
  it("is protected and exposes the SPEC §12.3 series after traffic", async () => {
    expect((await call(sw.base, "GET", "/metrics")).status).toBe(401);
    await call(sw.base, "GET", "/api/nothing-here", undefined, AUTH);
    const res = await fetch(`${sw.base}/metrics`, { headers: AUTH, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain(
      'slipway_http_requests_total{method="POST",route="/api/events/registration",status="202"} 1',
    );
    expect(text).toContain('slipway_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(
      /slipway_http_request_duration_seconds_bucket\{le="[\d.]+",method="POST",route="\/api\/events\/registration"\}/,
    );
    expect(text).toContain('slipway_ops_total{kind="create",status="queued"} 1');
    expect(text).toContain('slipway_ops_total{kind="create",status="done"} 1');
    expect(text).toMatch(/slipway_step_duration_seconds_count\{worker="manifestRenderer",outcome="ok"\} 1/);
    expect(text).toMatch(/slipway_build_duration_seconds_count\{backend="artifact",outcome="ok"\} 1/);
    expect(text).toMatch(/^slipway_sse_clients 0$/m);
    expect(text).toMatch(/^slipway_nats_connected 1$/m);
    expect(text).toMatch(/^slipway_audit_write_failures_total 0$/m);
    expect(text).toContain("slipway_process_cpu_user_seconds_total");
  });
});

describe("audit stream unavailable", () => {
  it("lets the request succeed and counts the failed write", async () => {
    const url = (await call(sw.base, "GET", "/api/system", undefined, AUTH)).body.nats.url;
    const nc = await connect({ servers: url });
    try {
      await (await jetstreamManager(nc)).streams.delete("PAAS_AUDIT");
    } finally {
      await nc.close();
    }
    const r = await call(sw.base, "PUT", "/api/projects/audited", SAMPLE_SPEC, AUTH);
    expect(r.status).toBe(202);
    await waitForOp(sw.base, r.body.op.id, AUTH);
    // Both writes (the update request and its op.completed) fail in the background and are logged.
    await sw.waitForLog(/"action":"project.update","msg":"audit write failed"/);
    await sw.waitForLog(/"action":"op.completed","msg":"audit write failed"/);
    const text = await (
      await fetch(`${sw.base}/metrics`, { headers: AUTH, signal: AbortSignal.timeout(10_000) })
    ).text();
    expect(Number(/^slipway_audit_write_failures_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect((await call(sw.base, "GET", "/readyz")).status).toBe(503);
  });
});
