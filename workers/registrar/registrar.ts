import { join } from "node:path";
import { readFile } from "node:fs/promises";
import type { StepContext, StepResult, Worker } from "../types.js";
import { specToYaml } from "../shared/spec.js";
import { nowIso } from "../shared/ids.js";
import { writeFileAtomic } from "../shared/fs-atomic.js";

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

async function register(ctx: StepContext): Promise<StepResult> {
  const dir = join(ctx.projectDir, "registration");
  await writeFileAtomic(join(dir, "project.yaml"), specToYaml(ctx.spec));
  // On redelivery keep the first registration time, so re-running the step changes nothing.
  const prev = await readOrNull(join(dir, "registration.json"));
  const prevJson = prev ? (JSON.parse(prev) as { op_id?: string; registered?: string }) : null;
  const registered = prevJson?.op_id === ctx.opId && prevJson.registered ? prevJson.registered : nowIso();
  const record = {
    project_id: ctx.projectId,
    op_id: ctx.opId,
    kind: ctx.opKind,
    registered,
    name: ctx.spec.name,
    runtime: ctx.spec.runtime,
  };
  await writeFileAtomic(join(dir, "registration.json"), `${JSON.stringify(record, null, 2)}\n`);
  return {
    message: "project registration upserted",
    artifacts: ["registration/project.yaml", "registration/registration.json"],
  };
}

async function deregister(ctx: StepContext): Promise<StepResult> {
  await writeFileAtomic(
    join(ctx.projectDir, "registration", "deregister.txt"),
    `deregister requested at ${nowIso()}\nop=${ctx.opId}\n`,
  );
  return { message: "project deregistration staged", artifacts: ["registration/deregister.txt"] };
}

/** Step 1 of create/update/delete: record the normalised spec (SPEC §8.1 registration/). */
export const registrar: Worker = {
  name: "registrar",
  startMessage: () => "register app configuration",
  run: (ctx) => (ctx.opKind === "delete" ? deregister(ctx) : register(ctx)),
};
