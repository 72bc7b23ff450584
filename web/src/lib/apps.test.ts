import { describe, expect, it } from "vitest";
import type { Project, ProjectPhase, ProjectSpec } from "../types.js";
import { matchesSearch, phaseTone, projectBusy, projectCounts, sortProjects, visibleProjects } from "./apps.js";

/** A normalised spec (SPEC §2.2) with empty variables for each named environment. */
function spec(name: string, runtime: string, envs: string[]): ProjectSpec {
  return {
    apiVersion: "platform.example.com/v2",
    kind: "App",
    name,
    runtime,
    environments: Object.fromEntries(envs.map((e) => [e, { vars: {} }])),
    networkPolicies: { ingress: "internal", egress: "internal" },
  };
}

function project(
  id: string,
  name: string,
  phase: ProjectPhase,
  patch: Partial<Project["status"]> = {},
  extra: Partial<Project> = {},
): Project {
  return {
    id,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    spec: spec(name, "go_1.26", ["dev", "staging"]),
    status: {
      phase,
      updated_at: "2026-01-01T00:00:00.000Z",
      last_op_id: "",
      last_op_kind: "create",
      message: "ready",
      ...patch,
    },
    ...extra,
  };
}

const A = project(
  "aaa",
  "billing",
  "Ready",
  { updated_at: "2026-01-03T00:00:00.000Z" },
  { created_at: "2026-01-02T00:00:00.000Z" },
);
const B = project(
  "bbb",
  "Analytics",
  "Error",
  { message: "build failed: timeout", last_op_kind: "ci", updated_at: "2026-01-04T00:00:00.000Z" },
  { created_at: "2026-01-01T00:00:00.000Z" },
);
const C = project(
  "ccc",
  "checkout",
  "Reconciling",
  { message: "queued deployment", updated_at: "2026-01-02T00:00:00.000Z" },
  {
    created_at: "2026-01-03T00:00:00.000Z",
    spec: spec("checkout", "python_3.14", ["qa"]),
  },
);
const D = project("ddd", "zeta", "Deleting", { message: "queued delete" }, { created_at: "2026-01-04T00:00:00.000Z" });
const ALL = [A, B, C, D];

describe("search", () => {
  it("matches name, id, runtime, phase, message, last op kind and env names, case-insensitively", () => {
    expect(matchesSearch(A, "BILL")).toBe(true);
    expect(matchesSearch(A, "aaa")).toBe(true);
    expect(matchesSearch(C, "python")).toBe(true);
    expect(matchesSearch(B, "error")).toBe(true);
    expect(matchesSearch(B, "timeout")).toBe(true);
    expect(matchesSearch(B, "ci")).toBe(true);
    expect(matchesSearch(C, "qa")).toBe(true);
    expect(matchesSearch(A, "qa")).toBe(false);
    expect(matchesSearch(A, "   ")).toBe(true);
  });
  it("needs every term", () => {
    expect(matchesSearch(C, "checkout qa")).toBe(true);
    expect(matchesSearch(C, "checkout staging")).toBe(false);
  });
});

describe("filter and sort", () => {
  const names = (l: Project[]) => l.map((p) => p.spec.name);
  it("filters by phase group", () => {
    expect(names(visibleProjects(ALL, { query: "", phase: "ready", sort: "name" }))).toEqual(["billing"]);
    expect(names(visibleProjects(ALL, { query: "", phase: "progress", sort: "name" }))).toEqual(["checkout", "zeta"]);
    expect(names(visibleProjects(ALL, { query: "", phase: "attention", sort: "name" }))).toEqual(["Analytics"]);
    expect(visibleProjects(ALL, { query: "", phase: "all", sort: "name" })).toHaveLength(4);
  });
  it("sorts by recently updated, name A-Z, oldest first", () => {
    expect(names(sortProjects(ALL, "updated"))).toEqual(["Analytics", "billing", "checkout", "zeta"]);
    expect(names(sortProjects(ALL, "name"))).toEqual(["Analytics", "billing", "checkout", "zeta"]);
    expect(names(sortProjects(ALL, "oldest"))).toEqual(["Analytics", "billing", "checkout", "zeta"]);
    expect(names(sortProjects([D, C, A], "oldest"))).toEqual(["billing", "checkout", "zeta"]);
    expect(names(sortProjects([A, C, D], "updated"))).toEqual(["billing", "checkout", "zeta"]);
  });
  it("does not mutate its input", () => {
    const input = [D, A];
    sortProjects(input, "name");
    expect(input).toEqual([D, A]);
  });
  it("combines search and filter", () => {
    expect(names(visibleProjects(ALL, { query: "queued", phase: "progress", sort: "name" }))).toEqual([
      "checkout",
      "zeta",
    ]);
    expect(visibleProjects(ALL, { query: "queued", phase: "ready", sort: "name" })).toEqual([]);
  });
});

describe("counts and tones", () => {
  it("counts ready, busy and failing apps", () => {
    expect(projectCounts(ALL)).toEqual({ total: 4, ready: 1, busy: 2, failing: 1 });
  });
  it("maps phases to tones and busy", () => {
    expect(phaseTone("Ready")).toBe("ok");
    expect(phaseTone("Deleting")).toBe("busy");
    expect(phaseTone("Error")).toBe("bad");
    expect(phaseTone("Weird")).toBe("idle");
    expect(projectBusy(C)).toBe(true);
    expect(projectBusy(A)).toBe(false);
    expect(projectBusy(undefined)).toBe(false);
  });
});
