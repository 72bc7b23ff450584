import type { ProjectSpec } from "./spec-types.js";

export const ENV_NAME_PATTERN = /^[a-z][a-z0-9_-]*[a-z0-9]$/;

/** `prod` and `production` are production environments (SPEC §0.1). */
export function isProduction(env: string): boolean {
  return env === "prod" || env === "production";
}

/**
 * SPEC §7.1.1: lower(trim(raw)); empty → unresolvable; `dev` always; an exact spec key; `prod`/`production` →
 * whichever of the two the spec has (prod first); else unresolvable (null).
 */
export function resolveEnvironment(spec: Pick<ProjectSpec, "environments">, raw: string | undefined): string | null {
  const v = (raw ?? "").trim().toLowerCase();
  if (v === "") return null;
  if (v === "dev") return "dev";
  if (Object.hasOwn(spec.environments, v)) return v;
  if (isProduction(v)) {
    for (const c of ["prod", "production"]) if (Object.hasOwn(spec.environments, c)) return c;
  }
  return null;
}

/** Why a transition is invalid, with the API error code that reports it (SPEC §7.1.2, §0.3). */
export interface TransitionError {
  code: "ENVIRONMENTS_REQUIRED" | "INVALID_ENVIRONMENT_NAME" | "ENVIRONMENT_NOT_DEFINED" | "ENVIRONMENTS_MUST_DIFFER";
  message: string;
}

export type Transition = { ok: true; from: string; to: string } | { ok: false; error: TransitionError };

/** SPEC §7.1.2 transition validation; the first failure wins. */
export function validateTransition(
  spec: Pick<ProjectSpec, "environments">,
  rawFrom: string | undefined,
  rawTo: string | undefined,
): Transition {
  const from = (rawFrom ?? "").trim().toLowerCase();
  const to = (rawTo ?? "").trim().toLowerCase();
  if (from === "" || to === "") return fail("ENVIRONMENTS_REQUIRED", "from_env and to_env are required");
  if (!ENV_NAME_PATTERN.test(from) || !ENV_NAME_PATTERN.test(to)) {
    return fail("INVALID_ENVIRONMENT_NAME", "from_env and to_env must be valid environment names");
  }
  const f = resolveEnvironment(spec, from);
  if (!f) return fail("ENVIRONMENT_NOT_DEFINED", `from_env "${from}" is not defined for project`);
  const t = resolveEnvironment(spec, to);
  if (!t) return fail("ENVIRONMENT_NOT_DEFINED", `to_env "${to}" is not defined for project`);
  if (f === t) return fail("ENVIRONMENTS_MUST_DIFFER", "from_env and to_env must differ");
  return { ok: true, from: f, to: t };
}

function fail(code: TransitionError["code"], message: string): Transition {
  return { ok: false, error: { code, message } };
}

/** The delivery stage of a rollback of env E (SPEC §3.1): deploy for dev, release for production, else promote. */
export function rollbackStage(env: string): "deploy" | "release" | "promote" {
  return env === "dev" ? "deploy" : isProduction(env) ? "release" : "promote";
}
