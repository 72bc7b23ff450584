// Environments and the app form: ordering, env-var key cleaning, form ⇄ spec (SPEC §2, §13 dialogs).

import type { ProjectSpec } from "../types.js";

export const RUNTIMES = ["go_1.26", "go_1.25", "go_1.24", "go_1.23"] as const;
export const DEFAULT_RUNTIME = "go_1.26";

export const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const PROJECT_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ENV_NAME_RE = /^[a-z][a-z0-9_-]*[a-z0-9]$/;
export const VAR_KEY_RE = /^[A-Z_][A-Z0-9_]*$/;
export const RUNTIME_RE = /^[a-z0-9]+([_-][a-z0-9]+)*(\.[0-9]+(\.[0-9]+)*)?$/;

export const isProduction = (env: string) => env === "prod" || env === "production";

/** SPEC §13 select order: dev, staging, prod, then alphabetical (production ranks with prod). */
export function envRank(env: string): number {
  if (env === "dev") return 0;
  if (env === "staging") return 1;
  if (isProduction(env)) return 2;
  return 3;
}

export function orderEnvs(names: Iterable<string>): string[] {
  const uniq = [...new Set([...names].map((n) => n.trim().toLowerCase()).filter(Boolean))];
  return uniq.sort((a, b) => envRank(a) - envRank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** dev ∪ spec environments, in select order. */
export function deliveryEnvs(spec: ProjectSpec): string[] {
  return orderEnvs(["dev", ...Object.keys(spec.environments)]);
}

/** The "clean" action: upper-case, every invalid character becomes `_`, a leading digit gets a `_` prefix. */
export function cleanEnvKey(raw: string): string {
  let k = raw
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_");
  if (/^[0-9]/.test(k)) k = `_${k}`;
  return k.slice(0, 128);
}

export interface VarRow {
  key: string;
  value: string;
}

export interface EnvForm {
  name: string;
  vars: VarRow[];
}

export interface AppForm {
  name: string;
  projectId: string;
  runtime: string;
  capabilities: string;
  ingress: "internal" | "none";
  egress: "internal" | "none";
  envs: EnvForm[];
}

export function defaultAppForm(): AppForm {
  const env = (name: string, level: string): EnvForm => ({
    name,
    vars: [
      { key: "LOG_LEVEL", value: level },
      { key: "LOG_FORMAT", value: "json" },
    ],
  });
  return {
    name: "",
    projectId: "",
    runtime: DEFAULT_RUNTIME,
    capabilities: "http",
    ingress: "internal",
    egress: "internal",
    envs: [env("dev", "debug"), env("staging", "info"), env("prod", "warn")],
  };
}

export function formFromProject(spec: ProjectSpec, id: string): AppForm {
  const envs = orderEnvs(Object.keys(spec.environments)).map((name) => {
    const vars = spec.environments[name].vars;
    return {
      name,
      vars: Object.keys(vars)
        .sort()
        .map((key) => ({ key, value: vars[key] ?? "" })),
    };
  });
  const policy = (v: string | undefined) => (v === "none" ? "none" : "internal");
  return {
    name: spec.name,
    projectId: id,
    runtime: spec.runtime,
    capabilities: (spec.capabilities ?? []).join(", "),
    ingress: policy(spec.networkPolicies?.ingress),
    egress: policy(spec.networkPolicies?.egress),
    envs,
  };
}

export function specFromForm(form: AppForm): ProjectSpec {
  const environments: ProjectSpec["environments"] = {};
  for (const env of form.envs) {
    const vars: Record<string, string> = {};
    for (const row of env.vars) {
      if (row.key.trim() === "" && row.value === "") continue;
      vars[row.key.trim()] = row.value;
    }
    environments[env.name.trim()] = { vars };
  }
  const capabilities = form.capabilities
    .split(/[,\s]+/)
    .map((c) => c.trim())
    .filter(Boolean);
  return {
    apiVersion: "platform.example.com/v2",
    kind: "App",
    name: form.name.trim(),
    runtime: form.runtime.trim(),
    ...(capabilities.length > 0 ? { capabilities } : {}),
    environments,
    networkPolicies: { ingress: form.ingress, egress: form.egress },
  };
}

/** Client-side checks mirroring SPEC §2.3 (the server has the last word); [] when the form looks valid. */
export function validateForm(form: AppForm, creating: boolean): string[] {
  const errors: string[] = [];
  const name = form.name.trim();
  if (!NAME_RE.test(name) || name.length > 63)
    errors.push("Name: lower-case letters, digits and '-', starting and ending with a letter or digit.");
  if (creating && form.projectId.trim() !== "" && !PROJECT_ID_RE.test(form.projectId.trim()))
    errors.push("App id: lower-case letters, digits and '-' (up to 63), or leave it empty for a generated id.");
  if (!RUNTIME_RE.test(form.runtime.trim())) errors.push("Runtime: e.g. go_1.26.");
  if (form.envs.length === 0) errors.push("Add at least one environment.");
  const seen = new Set<string>();
  for (const env of form.envs) {
    const n = env.name.trim();
    if (!ENV_NAME_RE.test(n) || n.length > 32) errors.push(`Environment "${n}": invalid name.`);
    if (seen.has(n)) errors.push(`Environment "${n}" is listed twice.`);
    seen.add(n);
    const keys = new Set<string>();
    for (const row of env.vars) {
      const k = row.key.trim();
      if (k === "" && row.value === "") continue;
      if (!VAR_KEY_RE.test(k)) errors.push(`${n}: variable "${k}" is not a valid name (use Clean).`);
      if (keys.has(k)) errors.push(`${n}: variable "${k}" is listed twice.`);
      keys.add(k);
    }
  }
  return errors;
}
