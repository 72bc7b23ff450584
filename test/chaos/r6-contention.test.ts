/**
 * R6 (issue 7): 50 concurrent updates and 50 concurrent webhooks for one commit on one project. Every client
 * retries after a 409 until it is accepted (updates) or told the commit is already processed (webhooks). Holds:
 * at most one active op at any time (sampled live, and the ops' requested/finished windows never overlap), every
 * refusal is the exact SPEC §4.0.1 409, the last accepted update's spec is the stored spec (no lost update), and
 * exactly one CI op for the commit. Extends source-ci.test.ts ("answers 409 while an op is active": one request).
 */
import { afterAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { call, SAMPLE_SPEC, type JsonResponse } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";
import { expectConflictBody, followOp, opHistory, rng, sleep } from "./chaos-support.js";

const CLIENTS = 50;
const COMMIT = "c0ffee0123456789abcdef0123456789abcdef01";
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const DEADLINE_MS = 300_000;

let dirs: Dirs;
let sw: SlipwayProcess;
afterAll(async () => {
  await sw?.stop();
  await dirs?.cleanup();
});

const specFor = (i: number) => ({
  ...SAMPLE_SPEC,
  environments: { ...SAMPLE_SPEC.environments, dev: { vars: { LOG_LEVEL: "debug", R6_CLIENT: String(i) } } },
});

describe("R6: 50 concurrent updates and 50 concurrent webhooks for one commit on one project", () => {
  it("one active op at a time, exact 409s, no lost update, exactly one CI op", async () => {
    console.log(`R6: seed ${SEED} (rerun with CHAOS_SEED=${SEED})`);
    const rand = rng(SEED);
    dirs = await makeDirs();
    sw = await startSlipway(dirs);
    const created = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "r6",
      spec: SAMPLE_SPEC,
    });
    expect(created.status).toBe(202);
    expect((await followOp(() => sw.base, created.body.op.id, { deadlineMs: 60_000 })).terminal).toBe(true);

    const problems: string[] = [];
    const conflicts: { kind: string; r: JsonResponse }[] = [];
    const acceptedUpdates = new Map<string, number>(); // op id → client
    const ciAccepted: string[] = [];
    let done = false;

    // Live sampler: the project's history never shows two queued/running ops.
    let samples = 0;
    let maxActive = 0;
    const sampler = (async () => {
      while (!done) {
        const h = await call(sw.base, "GET", "/api/projects/r6/ops?limit=100");
        const active = h.body.items.filter((i: any) => i.status === "queued" || i.status === "running");
        maxActive = Math.max(maxActive, active.length);
        if (active.length > 1)
          problems.push(`sampler saw ${active.map((a: any) => `${a.kind}:${a.status}`).join(",")}`);
        samples++;
        await sleep(20);
      }
    })();

    const deadline = Date.now() + DEADLINE_MS;
    const backoff = () => sleep(30 + Math.floor(rand() * 200));
    const updater = async (i: number) => {
      const spec = specFor(i);
      while (Date.now() < deadline) {
        // Half the clients use PUT /api/projects/{id}, half the registration event.
        const r =
          i % 2 === 0
            ? await call(sw.base, "PUT", "/api/projects/r6", spec)
            : await call(sw.base, "POST", "/api/events/registration", { action: "update", project_id: "r6", spec });
        if (r.status === 202) {
          acceptedUpdates.set(r.body.op.id, i);
          if (JSON.stringify(r.body.project.spec) !== JSON.stringify(spec))
            problems.push(`update ${i}: 202 spec differs`);
          return;
        }
        if (r.status === 409) conflicts.push({ kind: "update", r });
        else problems.push(`update ${i}: ${r.status} ${r.text}`);
        await backoff();
      }
      problems.push(`update ${i}: never accepted`);
    };
    const hooker = async (i: number) => {
      const body = { project_id: "r6", repo: "source", branch: "main", commit: COMMIT };
      while (Date.now() < deadline) {
        const r = await call(sw.base, "POST", "/api/webhooks/source", body, { "X-Paas-Delivery": `r6-d-${i}` });
        if (r.status === 202 && r.body.accepted === true) {
          ciAccepted.push(r.body.op.id);
          return;
        }
        if (r.status === 202 && r.body.reason === "ignored: commit already processed") return;
        if (r.status === 409) conflicts.push({ kind: "ci", r });
        else problems.push(`webhook ${i}: ${r.status} ${r.text}`);
        await backoff();
      }
      problems.push(`webhook ${i}: never settled`);
    };
    const t0 = Date.now();
    await Promise.all([
      ...Array.from({ length: CLIENTS }, (_, i) => updater(i)),
      ...Array.from({ length: CLIENTS }, (_, i) => hooker(i)),
    ]);
    // Let the last accepted op finish, then stop sampling.
    const history0 = await opHistory(sw.base, "r6");
    await followOp(() => sw.base, history0[0].id, { deadlineMs: 60_000 });
    done = true;
    await sampler;
    console.log(
      `R6: ${acceptedUpdates.size} updates + ${ciAccepted.length} ci accepted, ${conflicts.length} 409s, ` +
        `${samples} samples (max ${maxActive} active) in ${Date.now() - t0} ms`,
    );

    // Every refusal is the exact §4.0.1 body.
    for (const { kind, r } of conflicts) {
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(r.headers.get("x-request-id")).toBe(r.body.request_id);
      expectConflictBody(r.body, "r6", kind);
    }

    const history = await opHistory(sw.base, "r6");
    const ops = await Promise.all(history.map(async (h) => (await call(sw.base, "GET", `/api/ops/${h.id}`)).body));
    // Exactly one CI op, for the commit; every update accepted once; all done.
    expect(ciAccepted).toHaveLength(1);
    expect(ops.filter((o) => o.kind === "ci").map((o) => o.id)).toEqual(ciAccepted);
    expect(ops.filter((o) => o.kind === "update").length).toBe(CLIENTS);
    expect(acceptedUpdates.size).toBe(CLIENTS);
    for (const o of ops) if (o.status !== "done") problems.push(`op ${o.kind} ${o.id} ${o.status} ${o.error ?? ""}`);

    // The ops' active windows, in acceptance order (the history index is newest first), never overlap.
    const chrono = [...ops].reverse();
    for (let k = 1; k < chrono.length; k++) {
      const prev = chrono[k - 1];
      const cur = chrono[k];
      if (Date.parse(cur.requested) < Date.parse(prev.finished)) {
        problems.push(
          `window overlap: ${cur.kind} ${cur.id} requested ${cur.requested} < ${prev.kind} ${prev.id} finished ${prev.finished}`,
        );
      }
    }

    // No lost update: the stored spec (and the registrar's project.yaml) is the last accepted update's spec.
    const lastUpdate = history.find((h) => h.kind === "update")!;
    const client = acceptedUpdates.get(lastUpdate.id)!;
    const project = (await call(sw.base, "GET", "/api/projects/r6")).body;
    expect(project.spec).toEqual(specFor(client));
    expect(project.status).toMatchObject({ phase: "Ready", last_op_id: history[0].id });
    const yaml = await readFile(join(dirs.artifactsRoot, "r6/registration/project.yaml"), "utf8");
    expect(yaml).toContain(`R6_CLIENT: "${client}"`);
    expect(problems).toEqual([]);
  }, 420_000);
});
