#!/usr/bin/env node
// TASKMAP.yaml reader behind `make task-*` and `make agent-check` (SPEC §14).
//
//   node scripts/taskmap.mjs list                 task ids, issues and titles
//   node scripts/taskmap.mjs show <task>          one task
//   node scripts/taskmap.mjs files <task>         its source files (directory entries expanded)
//   node scripts/taskmap.mjs tests <task>         its test files (directory entries expanded)
//   node scripts/taskmap.mjs audit <task>         mapped files and tests exist, then `npx vitest run <its tests>`
//   node scripts/taskmap.mjs agent-check          agent docs exist and cross-reference; the map is true and complete
//
// TASKMAP.yaml schema (paths are relative to the repository root; a path ending in "/" is a directory and
// covers everything under it, any other path is a single file):
//
//   tasks:
//     - id: core-platform          # unique, ^[a-z0-9][a-z0-9-]*$
//       issue: 2                   # tracker issue number (positive integer)
//       title: Core platform       # one line
//       files: [server/, cmd/]     # non-empty: the source this task owns
//       tests: [test/integration/, server/http/static-files.test.ts]   # its tests (may be empty)
//       docs: [docs/API_CONTRACTS.md]   # optional
//
// Exit codes: 0 ok, 1 a check failed (every problem is listed), 2 usage error.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TASKMAP = "TASKMAP.yaml";
// Agent docs that must exist and mention each other (by file name).
const AGENT_DOCS = ["AGENTS.md", "CODEMAP.md", "TASKMAP.yaml", "docs/API_CONTRACTS.md", "README.md"];
// Source that must belong to a task: these roots, these extensions, minus tests and declarations.
const SOURCE_ROOTS = ["cmd", "server", "workers", "web/src", "scripts"];
const SOURCE_EXT = /\.(ts|tsx|mjs)$/;
const NOT_SOURCE = /\.test\.ts$|\.d\.ts$/;
const TEST_FILE = /\.test\.(ts|tsx|mjs|js)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", ".git"]);
const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

class UsageError extends Error {}

const abs = (p) => path.join(ROOT, p);
const isDirEntry = (p) => p.endsWith("/");

function kindOf(p) {
  try {
    return statSync(abs(p)).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/** Repo-relative paths ("/"-separated) of every file under `dir`, skipping node_modules/dist/.git. */
function walk(dir) {
  const out = [];
  const visit = (rel) => {
    let entries;
    try {
      entries = readdirSync(abs(rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) visit(child);
      } else if (e.isFile()) {
        out.push(child);
      }
    }
  };
  visit(dir.replace(/\/+$/, ""));
  return out.sort();
}

/** Files an entry stands for: itself, or everything under it for a directory entry. */
const expand = (entry) => (isDirEntry(entry) ? walk(entry) : [entry]);

/** A mapped entry covers `file` when it is that file or a directory entry containing it. */
const covers = (entry, file) => (isDirEntry(entry) ? file.startsWith(entry) : file === entry);

/** Parses TASKMAP.yaml; returns { tasks, problems } where problems lists every schema violation. */
function loadTaskmap() {
  if (!existsSync(abs(TASKMAP))) return { tasks: [], problems: [`${TASKMAP} is missing`] };
  let doc;
  try {
    doc = YAML.parse(readFileSync(abs(TASKMAP), "utf8"));
  } catch (err) {
    return { tasks: [], problems: [`${TASKMAP} is not valid YAML: ${err.message}`] };
  }
  const problems = [];
  if (!doc || !Array.isArray(doc.tasks)) {
    return { tasks: [], problems: [`${TASKMAP}: top-level "tasks" must be a list`] };
  }
  const seen = new Set();
  const tasks = [];
  doc.tasks.forEach((t, i) => {
    const where = `${TASKMAP} tasks[${i}]${t && typeof t.id === "string" ? ` (${t.id})` : ""}`;
    if (!t || typeof t !== "object" || Array.isArray(t)) {
      problems.push(`${where}: must be a mapping`);
      return;
    }
    if (typeof t.id !== "string" || !ID_PATTERN.test(t.id)) problems.push(`${where}: id must match ${ID_PATTERN}`);
    else if (seen.has(t.id)) problems.push(`${where}: duplicate id`);
    else seen.add(t.id);
    if (!Number.isInteger(t.issue) || t.issue < 1) problems.push(`${where}: issue must be a positive integer`);
    if (typeof t.title !== "string" || t.title.trim() === "")
      problems.push(`${where}: title must be a non-empty string`);
    const list = (key, required) => {
      const v = t[key];
      if (v === undefined || v === null) {
        if (required) problems.push(`${where}: ${key} is required (a list of paths)`);
        return [];
      }
      if (!Array.isArray(v) || v.some((p) => typeof p !== "string" || p.trim() === "")) {
        problems.push(`${where}: ${key} must be a list of non-empty path strings`);
        return [];
      }
      for (const p of v) {
        if (path.isAbsolute(p) || p.split("/").includes(".."))
          problems.push(`${where}: ${key} path "${p}" must be relative to the repo root`);
      }
      return v;
    };
    const files = list("files", true);
    if (Array.isArray(t.files) && t.files.length === 0) problems.push(`${where}: files must not be empty`);
    tasks.push({
      id: String(t.id),
      issue: t.issue,
      title: String(t.title ?? ""),
      files,
      tests: list("tests", true),
      docs: list("docs", false),
    });
  });
  return { tasks, problems };
}

/** Problems with one entry on disk: missing, or a directory written without its trailing "/" (or vice versa). */
function entryProblem(entry) {
  const kind = kindOf(entry);
  if (kind === "missing") return `${entry} does not exist`;
  if (kind === "dir" && !isDirEntry(entry)) return `${entry} is a directory: write it as "${entry}/"`;
  if (kind === "file" && isDirEntry(entry)) return `${entry} is a file: drop the trailing "/"`;
  return null;
}

function pathProblems(task) {
  const out = [];
  for (const key of ["files", "tests", "docs"]) {
    for (const entry of task[key]) {
      const p = entryProblem(entry);
      if (p) out.push(`task ${task.id} ${key}: ${p}`);
    }
  }
  return out;
}

function taskFiles(task) {
  return [...new Set(task.files.flatMap(expand))].filter((f) => !TEST_FILE.test(f)).sort();
}

function taskTests(task) {
  return [...new Set(task.tests.flatMap(expand))].filter((f) => TEST_FILE.test(f)).sort();
}

function loadOrDie() {
  const { tasks, problems } = loadTaskmap();
  if (problems.length > 0) {
    for (const p of problems) console.error(`taskmap: ${p}`);
    process.exit(1);
  }
  return tasks;
}

function findTask(tasks, id, cmd) {
  const ids = tasks.map((t) => t.id).join(", ") || "(none)";
  if (!id) {
    throw new UsageError(
      `a task id is required: make task-${cmd} TASK=<id> (or node scripts/taskmap.mjs ${cmd} <id>); task ids: ${ids}`,
    );
  }
  const task = tasks.find((t) => t.id === id);
  if (!task) throw new UsageError(`unknown task "${id}" in ${TASKMAP}; task ids: ${ids}`);
  return task;
}

function warnMissing(task, key) {
  for (const entry of task[key]) {
    const p = entryProblem(entry);
    if (p) console.error(`taskmap: warning: task ${task.id} ${key}: ${p}`);
  }
}

// ---- commands ---------------------------------------------------------------------------------------------------

function cmdList() {
  const tasks = loadOrDie();
  if (tasks.length === 0) console.log(`(no tasks in ${TASKMAP})`);
  const width = Math.max(0, ...tasks.map((t) => t.id.length));
  for (const t of tasks) console.log(`${t.id.padEnd(width)}  #${t.issue}  ${t.title}`);
}

function cmdShow(id) {
  const t = findTask(loadOrDie(), id, "show");
  const section = (name, items) => [`${name}:`, ...(items.length ? items.map((p) => `  - ${p}`) : ["  (none)"])];
  const lines = [
    `id:    ${t.id}`,
    `issue: #${t.issue}`,
    `title: ${t.title}`,
    ...section("files", t.files),
    ...section("tests", t.tests),
    ...(t.docs.length ? section("docs", t.docs) : []),
  ];
  console.log(lines.join("\n"));
}

function cmdFiles(id) {
  const t = findTask(loadOrDie(), id, "files");
  warnMissing(t, "files");
  for (const f of taskFiles(t)) console.log(f);
}

function cmdTests(id) {
  const t = findTask(loadOrDie(), id, "tests");
  warnMissing(t, "tests");
  for (const f of taskTests(t)) console.log(f);
}

function cmdAudit(id) {
  const t = findTask(loadOrDie(), id, "audit");
  const problems = pathProblems(t);
  if (problems.length > 0) {
    for (const p of problems) console.error(`task-audit: ${p}`);
    console.error(`task-audit: FAILED: ${problems.length} mapped path(s) of task ${t.id} are wrong`);
    return 1;
  }
  const tests = taskTests(t);
  if (tests.length === 0) {
    console.error(`task-audit: FAILED: task ${t.id} maps no test files (tests: ${t.tests.join(", ") || "none"})`);
    return 1;
  }
  console.log(
    `task-audit: ${t.id}: ${t.files.length + t.tests.length + t.docs.length} mapped paths exist; running ${tests.length} test file(s)`,
  );
  const run = spawnSync("npx", ["--no-install", "vitest", "run", ...tests], { cwd: ROOT, stdio: "inherit" });
  if (run.error) {
    console.error(`task-audit: cannot run vitest: ${run.error.message}`);
    return 1;
  }
  if (run.status !== 0) console.error(`task-audit: FAILED: vitest exited with ${run.status ?? run.signal}`);
  return run.status ?? 1;
}

function cmdAgentCheck() {
  const problems = [];

  // 1. The agent docs exist and each mentions every other one by file name.
  const present = AGENT_DOCS.filter((d) => existsSync(abs(d)));
  const missing = AGENT_DOCS.filter((d) => !present.includes(d));
  if (missing.length > 0) problems.push(`missing agent docs: ${missing.join(", ")}`);
  for (const doc of present) {
    const text = readFileSync(abs(doc), "utf8");
    const unmentioned = AGENT_DOCS.filter((o) => o !== doc && !text.includes(path.basename(o)));
    if (unmentioned.length > 0) problems.push(`${doc} does not mention: ${unmentioned.join(", ")}`);
  }

  // 2. TASKMAP.yaml is well-formed and every path it names exists.
  const { tasks, problems: schema } = loadTaskmap();
  problems.push(...schema);
  for (const t of tasks) problems.push(...pathProblems(t));

  // 3. Every non-test source file belongs to some task's files.
  const sources = SOURCE_ROOTS.flatMap(walk).filter((f) => SOURCE_EXT.test(f) && !NOT_SOURCE.test(f));
  if (tasks.length > 0) {
    const owned = tasks.flatMap((t) => t.files);
    const orphans = sources.filter((f) => !owned.some((e) => covers(e, f)));
    for (const f of orphans)
      problems.push(
        `${f} belongs to no task: add it (or its directory, ending in "/") to a task's files in ${TASKMAP}`,
      );
  }

  if (problems.length > 0) {
    for (const p of problems) console.error(`agent-check: ${p}`);
    console.error(`agent-check: FAILED (${problems.length} problem${problems.length === 1 ? "" : "s"})`);
    return 1;
  }
  console.log(
    `agent-check: OK (${AGENT_DOCS.length} agent docs cross-referenced, ${tasks.length} task(s), ${sources.length} source files mapped)`,
  );
  return 0;
}

const USAGE =
  "usage: node scripts/taskmap.mjs list | show <task> | files <task> | tests <task> | audit <task> | agent-check";

function main(argv) {
  const [cmd, arg] = argv;
  switch (cmd) {
    case "list":
      return cmdList();
    case "show":
      return cmdShow(arg);
    case "files":
      return cmdFiles(arg);
    case "tests":
      return cmdTests(arg);
    case "audit":
      return cmdAudit(arg);
    case "agent-check":
      return cmdAgentCheck();
    default:
      throw new UsageError(USAGE);
  }
}

try {
  process.exitCode = main(process.argv.slice(2)) ?? 0;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`taskmap: ${err.message}`);
  process.exitCode = 2;
}
