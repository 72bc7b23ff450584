import { StepError, type StepContext, type StepResult, type Worker, type WorkerName } from "../types.js";
import { short12 } from "../shared/ids.js";
import { isProduction, rollbackStage, validateTransition } from "../shared/environments.js";
import {
  commitTree,
  imageLineOf,
  readRender,
  recordRelease,
  renderOverlay,
  splitRendered,
  writeRender,
  writeTree,
  type RenderedEnvironment,
} from "../manifest-renderer/index.js";
import { planRollback, type RollbackPlan } from "./rollback-plan.js";
import { sourceImage } from "./snapshots.js";

interface Transition {
  from: string;
  to: string;
  verb: "promote" | "release";
  image: string;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** SPEC §7.3 plan for promote/release: transition validation, production rule, source image. */
async function planTransition(ctx: StepContext): Promise<Transition> {
  const t = validateTransition(ctx.spec, str(ctx.input.from_env), str(ctx.input.to_env));
  if (!t.ok) throw new StepError(t.error.message);
  const verb = ctx.opKind === "release" ? "release" : "promote";
  if (verb === "release" && !isProduction(t.to)) {
    throw new StepError(`release operations require production target environment (got "${t.to}")`);
  }
  const image = await sourceImage(ctx.projectDir, ctx.spec, t.from);
  if (!image) throw new StepError(`no promoted image found for source environment "${t.from}"`);
  return { from: t.from, to: t.to, verb, image };
}

async function rollbackPlan(ctx: StepContext): Promise<RollbackPlan> {
  const r = await planRollback(
    { projectId: ctx.projectId, projectDir: ctx.projectDir, spec: ctx.spec, releases: ctx.releases },
    {
      environment: str(ctx.input.environment),
      release_id: str(ctx.input.release_id),
      scope: str(ctx.input.scope),
      override: ctx.input.override === true,
    },
  );
  if (!r.ok) throw new StepError(r.error);
  return r.plan;
}

const rollbackDir = (ctx: StepContext, env: string) => `rollbacks/${env}/${short12(ctx.opId)}`;

/** The render a rollback delivers: the working spec's overlay, or the snapshot itself for full_state. */
function rollbackRender(plan: RollbackPlan, tree: Map<string, string>): RenderedEnvironment {
  if (plan.scope === "full_state" && plan.rendered !== undefined) {
    const docs = splitRendered(plan.rendered);
    return { rendered: plan.rendered, deployment: docs.deployment ?? "", service: docs.service ?? "" };
  }
  return renderOverlay(tree, plan.env);
}

async function plan(ctx: StepContext): Promise<StepResult> {
  if (ctx.opKind === "rollback") {
    const p = await rollbackPlan(ctx);
    return {
      message: `planned rollback of ${p.env} using release ${short12(p.release.id)} with scope ${p.scope}`,
      artifacts: [],
    };
  }
  const t = await planTransition(ctx);
  return { message: `planned ${t.verb} transition from ${t.from} to ${t.to}`, artifacts: [] };
}

async function render(ctx: StepContext): Promise<StepResult> {
  if (ctx.opKind === "rollback") {
    const p = await rollbackPlan(ctx);
    const { tree, artifacts } = await writeTree(ctx, p.workingSpec, p.env, p.image);
    const rendered = rollbackRender(p, tree);
    artifacts.push(...(await writeRender(ctx, p.env, rendered, [rollbackDir(ctx, p.env)])));
    return { message: `rendered rollback manifests for ${p.env} (${p.scope})`, artifacts };
  }
  const t = await planTransition(ctx);
  const { tree, artifacts } = await writeTree(ctx, ctx.spec, t.to, t.image);
  const rendered = renderOverlay(tree, t.to);
  const dir = `${t.verb === "release" ? "releases" : "promotions"}/${t.from}-to-${t.to}`;
  artifacts.push(...(await writeRender(ctx, t.to, rendered, [dir])));
  return { message: `rendered ${t.verb} manifests from ${t.from} to ${t.to}`, artifacts };
}

async function commit(ctx: StepContext): Promise<StepResult> {
  if (ctx.opKind === "rollback") {
    const p = await rollbackPlan(ctx);
    await commitTree(
      ctx,
      `platform-sync: rollback ${p.env} to ${short12(p.release.id)} (${p.scope} ${short12(ctx.opId)})`,
    );
    // The project keeps the rolled-back configuration (code_and_config restores the snapshot's vars).
    return { message: `committed rollback manifests for ${p.env}`, artifacts: [], projectSpec: p.workingSpec };
  }
  const t = await planTransition(ctx);
  await commitTree(ctx, `platform-sync: ${t.verb} manifests ${t.from}->${t.to} (${short12(ctx.opId)})`);
  return { message: `committed ${t.verb} transition manifests`, artifacts: [] };
}

async function finalize(ctx: StepContext): Promise<StepResult> {
  if (ctx.opKind === "rollback") {
    const p = await rollbackPlan(ctx);
    const rendered = await readRender(ctx.projectDir, p.env);
    if (!rendered) throw new StepError(`rendered manifests for ${p.env} are missing`);
    const { artifacts } = await recordRelease(ctx, {
      env: p.env,
      stage: rollbackStage(p.env),
      image: p.image,
      rendered,
      fromEnv: p.env,
      extra: { rollback_source_release: p.release.id, rollback_scope: p.scope },
    });
    return { message: `rolled back ${p.env} to release ${short12(p.release.id)} using ${p.scope} scope`, artifacts };
  }
  const t = await planTransition(ctx);
  const rendered = await readRender(ctx.projectDir, t.to);
  if (!rendered) throw new StepError(`rendered manifests for ${t.to} are missing`);
  const image = imageLineOf(rendered.deployment) ?? t.image;
  const { artifacts } = await recordRelease(ctx, { env: t.to, stage: t.verb, image, rendered, fromEnv: t.from });
  return {
    message: `${t.verb === "release" ? "released" : "promoted"} manifests from ${t.from} to ${t.to}`,
    artifacts,
  };
}

function promoterStep(
  name: WorkerName,
  messages: { transition: string; rollback: string },
  run: (ctx: StepContext) => Promise<StepResult>,
): Worker {
  return { name, startMessage: (ctx) => (ctx.opKind === "rollback" ? messages.rollback : messages.transition), run };
}

/** The four promoter steps of promote/release/rollback (SPEC §3.1, §3.2, §7.3, §7.4). */
export const promoterWorkers: Worker[] = [
  promoterStep(
    "promoter.plan",
    {
      transition: "validate promotion/release request and source image",
      rollback: "validate rollback request and selected release snapshot",
    },
    plan,
  ),
  promoterStep(
    "promoter.render",
    {
      transition: "render transition manifests for target environment",
      rollback: "render rollback manifests for target environment",
    },
    render,
  ),
  promoterStep(
    "promoter.commit",
    { transition: "commit transition manifests to repo", rollback: "commit rollback manifests to repo" },
    commit,
  ),
  promoterStep(
    "promoter.finalize",
    {
      transition: "persist transition release record and finalize promotion",
      rollback: "persist rollback release record and finalize rollback",
    },
    finalize,
  ),
];
