import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { parse as parseYaml } from "yaml";
import { compareBytes, normalizeSpec, parseSpec, specToYaml, type ProjectSpec } from "./spec.js";

/** A minimal valid raw spec; tests override pieces of it. */
function base(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "hello-api",
    runtime: "go_1.26",
    environments: { dev: { vars: { LOG_LEVEL: "debug" } } },
    ...overrides,
  };
}

function validationErrors(raw: unknown) {
  const r = parseSpec(raw);
  if (r.ok || r.kind !== "validation") throw new Error(`expected validation failure, got ${JSON.stringify(r)}`);
  return r;
}

function okSpec(raw: unknown): ProjectSpec {
  const r = parseSpec(raw);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.spec;
}

function typeErrors(raw: unknown) {
  const r = parseSpec(raw);
  if (r.ok || r.kind !== "invalid_json") throw new Error(`expected invalid_json, got ${JSON.stringify(r)}`);
  return r.errors;
}

const NAME_MSG = "name must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const RUNTIME_MSG = "runtime must match ^[a-z0-9]+([_-][a-z0-9]+)*(\\.[0-9]+(\\.[0-9]+)*)?$";

describe("normalisation (SPEC §2.2)", () => {
  it("fills defaults and returns fields in canonical order", () => {
    const spec = okSpec(base());
    expect(spec).toEqual({
      apiVersion: "platform.example.com/v2",
      kind: "App",
      name: "hello-api",
      runtime: "go_1.26",
      environments: { dev: { vars: { LOG_LEVEL: "debug" } } },
      networkPolicies: { ingress: "internal", egress: "internal" },
    });
    expect(Object.keys(spec)).toEqual(["apiVersion", "kind", "name", "runtime", "environments", "networkPolicies"]);
    expect("capabilities" in spec).toBe(false);
  });

  it("trims strings; empty apiVersion/kind/policies take their defaults", () => {
    const spec = okSpec(
      base({
        apiVersion: "  ",
        kind: " App ",
        name: "  hello-api\t",
        runtime: "\ngo_1.26 ",
        networkPolicies: { ingress: " none ", egress: "" },
      }),
    );
    expect(spec.apiVersion).toBe("platform.example.com/v2");
    expect(spec.kind).toBe("App");
    expect(spec.name).toBe("hello-api");
    expect(spec.runtime).toBe("go_1.26");
    expect(spec.networkPolicies).toEqual({ ingress: "none", egress: "internal" });
  });

  it("keeps case of name and runtime (then validation rejects them)", () => {
    const r = validationErrors(base({ name: " Hello ", runtime: "Go" }));
    expect(r.errors.map((e) => e.message)).toEqual([NAME_MSG, RUNTIME_MSG]);
  });

  it("trims capabilities, drops empties and duplicates (first kept)", () => {
    const spec = okSpec(base({ capabilities: [" http ", "", "grpc", "http", "  ", "grpc", "db"] }));
    expect(spec.capabilities).toEqual(["http", "grpc", "db"]);
  });

  it("drops the capabilities key when nothing is left", () => {
    expect("capabilities" in okSpec(base({ capabilities: ["", "  "] }))).toBe(false);
    expect("capabilities" in okSpec(base({ capabilities: [] }))).toBe(false);
  });

  it("absent environments become {} and fail with the at-least-one rule", () => {
    const raw = base();
    delete raw.environments;
    expect(normalizeSpec(raw).spec?.environments).toEqual({});
    const r = validationErrors(raw);
    expect(r.message).toBe("environments must include at least one environment");
    expect(r.errors).toEqual([
      { path: "/environments", message: "environments must include at least one environment" },
    ]);
    expect(validationErrors(base({ environments: {} })).message).toBe(
      "environments must include at least one environment",
    );
  });

  it("absent vars become {}; var values are kept verbatim", () => {
    const spec = okSpec(base({ environments: { dev: {}, prod: { vars: { A: "  spaced  " } } } }));
    expect(spec.environments).toEqual({ dev: { vars: {} }, prod: { vars: { A: "  spaced  " } } });
  });

  it("keeps the client's key order for environments and vars", () => {
    const spec = okSpec(base({ environments: { prod: { vars: { ZED: "1", ALPHA: "2" } }, dev: {} } }));
    expect(Object.keys(spec.environments)).toEqual(["prod", "dev"]);
    expect(Object.keys(spec.environments.prod.vars)).toEqual(["ZED", "ALPHA"]);
  });

  it("treats null fields as absent", () => {
    const spec = okSpec(
      base({
        apiVersion: null,
        kind: null,
        capabilities: null,
        networkPolicies: null,
        environments: { dev: { vars: null } },
      }),
    );
    expect(spec.apiVersion).toBe("platform.example.com/v2");
    expect(spec.kind).toBe("App");
    expect(spec.capabilities).toBeUndefined();
    expect(spec.networkPolicies).toEqual({ ingress: "internal", egress: "internal" });
    expect(spec.environments).toEqual({ dev: { vars: {} } });
    expect(okSpec(base({ networkPolicies: { ingress: null, egress: "none" } })).networkPolicies).toEqual({
      ingress: "internal",
      egress: "none",
    });
    expect(validationErrors(base({ name: null })).message).toBe(NAME_MSG);
  });

  it("does not case-fold keys", () => {
    const r = validationErrors(base({ environments: { Dev: { vars: { log_level: "x" } } } }));
    expect(r.errors).toEqual([
      { path: "/environments/Dev", message: 'invalid environment name "Dev"' },
      { path: "/environments/Dev/vars/log_level", message: 'invalid environment variable name "log_level" in "Dev"' },
    ]);
  });

  it("keeps a __proto__ key as data", () => {
    const raw = JSON.parse('{"name":"a","runtime":"go","environments":{"dev":{"vars":{"__proto__":"x"}}}}');
    const r = validationErrors(raw);
    expect(r.errors).toEqual([
      { path: "/environments/dev/vars/__proto__", message: 'invalid environment variable name "__proto__" in "dev"' },
    ]);
    expect(Object.getPrototypeOf(normalizeSpec(raw).spec?.environments)).toBe(Object.prototype);
  });
});

describe("validation messages (SPEC §2.3)", () => {
  const cases: [string, Record<string, unknown>, { path: string; message: string }][] = [
    ["unknown top-level field", base({ extra: 1 }), { path: "/extra", message: 'unknown field "extra"' }],
    [
      "unknown environment field",
      base({ environments: { dev: { vars: {}, secrets: {} } } }),
      { path: "/environments/dev/secrets", message: 'unknown field "environments.dev.secrets"' },
    ],
    [
      "unknown networkPolicies field",
      base({ networkPolicies: { ingress: "none", egress: "none", mode: "x" } }),
      { path: "/networkPolicies/mode", message: 'unknown field "networkPolicies.mode"' },
    ],
    [
      "apiVersion",
      base({ apiVersion: "v1" }),
      { path: "/apiVersion", message: 'apiVersion must be "platform.example.com/v2"' },
    ],
    ["kind", base({ kind: "app" }), { path: "/kind", message: 'kind must be "App"' }],
    ["name pattern", base({ name: "-bad" }), { path: "/name", message: NAME_MSG }],
    ["name empty", base({ name: "  " }), { path: "/name", message: NAME_MSG }],
    ["name too long", base({ name: "a".repeat(64) }), { path: "/name", message: NAME_MSG }],
    ["runtime pattern", base({ runtime: "go 1.26" }), { path: "/runtime", message: RUNTIME_MSG }],
    ["runtime too long", base({ runtime: "a".repeat(129) }), { path: "/runtime", message: RUNTIME_MSG }],
    [
      "capability pattern",
      base({ capabilities: ["http", "Bad!"] }),
      { path: "/capabilities/1", message: 'invalid capability "Bad!"' },
    ],
    [
      "capability too long",
      base({ capabilities: ["a".repeat(65)] }),
      { path: "/capabilities/0", message: `invalid capability "${"a".repeat(65)}"` },
    ],
    [
      "no environments",
      base({ environments: {} }),
      { path: "/environments", message: "environments must include at least one environment" },
    ],
    [
      "environment name",
      base({ environments: { "dev!": {} } }),
      { path: "/environments/dev!", message: 'invalid environment name "dev!"' },
    ],
    [
      "environment name too long",
      base({ environments: { ["e".repeat(33)]: {} } }),
      { path: `/environments/${"e".repeat(33)}`, message: `invalid environment name "${"e".repeat(33)}"` },
    ],
    [
      "environment name single char",
      base({ environments: { d: {} } }),
      { path: "/environments/d", message: 'invalid environment name "d"' },
    ],
    [
      "var name",
      base({ environments: { dev: { vars: { log_level: "x" } } } }),
      { path: "/environments/dev/vars/log_level", message: 'invalid environment variable name "log_level" in "dev"' },
    ],
    [
      "var name too long",
      base({ environments: { dev: { vars: { ["A".repeat(129)]: "x" } } } }),
      {
        path: `/environments/dev/vars/${"A".repeat(129)}`,
        message: `invalid environment variable name "${"A".repeat(129)}" in "dev"`,
      },
    ],
    [
      "var value too long",
      base({ environments: { dev: { vars: { BIG: "x".repeat(4097) } } } }),
      { path: "/environments/dev/vars/BIG", message: 'env var "BIG" in "dev" exceeds max length' },
    ],
    [
      "ingress",
      base({ networkPolicies: { ingress: "Internal" } }),
      { path: "/networkPolicies/ingress", message: "networkPolicies.ingress must be internal or none" },
    ],
    [
      "egress",
      base({ networkPolicies: { egress: "public" } }),
      { path: "/networkPolicies/egress", message: "networkPolicies.egress must be internal or none" },
    ],
  ];

  for (const [title, raw, expected] of cases) {
    it(title, () => {
      const r = validationErrors(raw);
      expect(r.errors).toEqual([expected]);
      expect(r.message).toBe(expected.message);
    });
  }

  it("accepts the documented edge values", () => {
    okSpec(base({ name: "a", runtime: "python_3.14", capabilities: ["ab", "a-b_c"] }));
    okSpec(base({ name: "a".repeat(63), runtime: "a".repeat(128) }));
    okSpec(base({ runtime: "node-20.1.2" }));
    okSpec(
      base({ environments: { ["e".repeat(32)]: { vars: { ["A".repeat(128)]: "secret://delinea/42", _X: "" } } } }),
    );
    okSpec(base({ networkPolicies: { ingress: "none", egress: "none" } }));
  });

  it("counts var value length in UTF-8 bytes, not characters", () => {
    const env = (v: string) => base({ environments: { dev: { vars: { V: v } } } });
    okSpec(env("x".repeat(4096)));
    okSpec(env("é".repeat(2048))); // 4096 bytes
    expect(validationErrors(env("é".repeat(2049))).message).toBe('env var "V" in "dev" exceeds max length'); // 4098 bytes, 2049 chars
    expect(validationErrors(env("😀".repeat(1025))).message).toBe('env var "V" in "dev" exceeds max length'); // 4100 bytes
    okSpec(env("😀".repeat(1024)));
  });

  it("collects every failure in table order, unknown fields first", () => {
    const r = validationErrors({
      zzz: true,
      apiVersion: "v1",
      kind: "Job",
      name: "Bad_Name",
      runtime: "Go",
      capabilities: ["ok", "NO", "x"],
      environments: {},
      networkPolicies: { ingress: "open", egress: "all", extra: 1 },
      aaa: 1,
    });
    expect(r.errors).toEqual([
      { path: "/aaa", message: 'unknown field "aaa"' },
      { path: "/zzz", message: 'unknown field "zzz"' },
      { path: "/networkPolicies/extra", message: 'unknown field "networkPolicies.extra"' },
      { path: "/apiVersion", message: 'apiVersion must be "platform.example.com/v2"' },
      { path: "/kind", message: 'kind must be "App"' },
      { path: "/name", message: NAME_MSG },
      { path: "/runtime", message: RUNTIME_MSG },
      { path: "/capabilities/1", message: 'invalid capability "NO"' },
      { path: "/capabilities/2", message: 'invalid capability "x"' },
      { path: "/environments", message: "environments must include at least one environment" },
      { path: "/networkPolicies/ingress", message: "networkPolicies.ingress must be internal or none" },
      { path: "/networkPolicies/egress", message: "networkPolicies.egress must be internal or none" },
    ]);
    expect(r.message).toBe('unknown field "aaa"');
  });

  it("visits environments in byte order: name, then each var name then value", () => {
    const big = "x".repeat(4097);
    const r = validationErrors(
      base({
        environments: {
          zz: { vars: { b: big, A: big } },
          "Ab!": { vars: { OK: big }, secrets: 1 },
          aa: { vars: { Z: "ok", a: "ok" } },
          prod: { vars: {} },
        },
        networkPolicies: { egress: "x" },
      }),
    );
    expect(r.errors).toEqual([
      { path: "/environments/Ab!/secrets", message: 'unknown field "environments.Ab!.secrets"' },
      { path: "/environments/Ab!", message: 'invalid environment name "Ab!"' },
      { path: "/environments/Ab!/vars/OK", message: 'env var "OK" in "Ab!" exceeds max length' },
      { path: "/environments/aa/vars/a", message: 'invalid environment variable name "a" in "aa"' },
      { path: "/environments/zz/vars/A", message: 'env var "A" in "zz" exceeds max length' },
      { path: "/environments/zz/vars/b", message: 'invalid environment variable name "b" in "zz"' },
      { path: "/environments/zz/vars/b", message: 'env var "b" in "zz" exceeds max length' },
      { path: "/networkPolicies/egress", message: "networkPolicies.egress must be internal or none" },
    ]);
  });

  it("escapes JSON Pointer segments", () => {
    const r = validationErrors(base({ environments: { "a/b~c": {} } }));
    expect(r.errors).toEqual([{ path: "/environments/a~1b~0c", message: 'invalid environment name "a/b~c"' }]);
  });
});

describe("wrong JSON types (SPEC §0.2 INVALID_JSON)", () => {
  it("rejects a non-object spec", () => {
    for (const raw of [null, undefined, 5, "x", [], true]) {
      expect(typeErrors(raw)).toEqual([{ path: "", message: "spec must be an object" }]);
    }
  });

  it("rejects known fields of the wrong type", () => {
    expect(typeErrors(base({ name: 5 }))).toEqual([{ path: "/name", message: "name must be a string" }]);
    expect(typeErrors(base({ environments: [] }))).toEqual([
      { path: "/environments", message: "environments must be an object" },
    ]);
    expect(typeErrors(base({ capabilities: "x" }))).toEqual([
      { path: "/capabilities", message: "capabilities must be an array of strings" },
    ]);
    expect(typeErrors(base({ capabilities: ["ok", 3] }))).toEqual([
      { path: "/capabilities/1", message: "capabilities.1 must be a string" },
    ]);
    expect(typeErrors(base({ environments: { dev: { vars: { A: 1 } } } }))).toEqual([
      { path: "/environments/dev/vars/A", message: "environments.dev.vars.A must be a string" },
    ]);
    expect(typeErrors(base({ environments: { dev: { vars: { A: null } } } }))).toHaveLength(1);
    // null means absent only for named fields; a null list element or map entry is a wrong type.
    expect(typeErrors(base({ capabilities: [null] }))).toEqual([
      { path: "/capabilities/0", message: "capabilities.0 must be a string" },
    ]);
    expect(typeErrors(base({ environments: { dev: null } }))).toEqual([
      { path: "/environments/dev", message: "environments.dev must be an object" },
    ]);
    expect(typeErrors(base({ environments: { dev: { vars: [] } } }))).toEqual([
      { path: "/environments/dev/vars", message: "environments.dev.vars must be an object" },
    ]);
    expect(typeErrors(base({ environments: { dev: "x" } }))).toEqual([
      { path: "/environments/dev", message: "environments.dev must be an object" },
    ]);
    expect(typeErrors(base({ networkPolicies: "internal" }))).toEqual([
      { path: "/networkPolicies", message: "networkPolicies must be an object" },
    ]);
    expect(typeErrors(base({ networkPolicies: { ingress: true } }))).toEqual([
      { path: "/networkPolicies/ingress", message: "networkPolicies.ingress must be a string" },
    ]);
    expect(typeErrors(base({ apiVersion: {}, kind: [] }))).toEqual([
      { path: "/apiVersion", message: "apiVersion must be a string" },
      { path: "/kind", message: "kind must be a string" },
    ]);
  });

  it("wins over validation failures and ignores unknown fields' types", () => {
    expect(typeErrors(base({ name: 5, runtime: "BAD", extra: [] }))).toEqual([
      { path: "/name", message: "name must be a string" },
    ]);
    expect(validationErrors(base({ extra: [] })).message).toBe('unknown field "extra"');
  });
});

describe("specToYaml (SPEC §8.1 registration/project.yaml)", () => {
  const spec = okSpec({
    name: "hello-api",
    runtime: "go_1.26",
    capabilities: ["http", "grpc"],
    environments: {
      prod: { vars: { LOG_LEVEL: "warn", A_QUOTE: 'say "hi"\n\ttab \\ é 😀' } },
      dev: {},
      staging: { vars: { NULL: "null", TRUE: "true", NUM: "1e3", EMPTY: "" } },
    },
    networkPolicies: { ingress: "none" },
  });

  it("writes keys in order, environments and vars sorted, values JSON-quoted", () => {
    expect(specToYaml(spec)).toBe(
      [
        "apiVersion: platform.example.com/v2",
        "kind: App",
        "name: hello-api",
        "runtime: go_1.26",
        "capabilities:",
        "  - http",
        "  - grpc",
        "environments:",
        "  dev:",
        "    vars: {}",
        "  prod:",
        "    vars:",
        '      A_QUOTE: "say \\"hi\\"\\n\\ttab \\\\ é 😀"',
        '      LOG_LEVEL: "warn"',
        "  staging:",
        "    vars:",
        '      EMPTY: ""',
        '      "NULL": "null"',
        '      NUM: "1e3"',
        '      "TRUE": "true"',
        "networkPolicies:",
        "  ingress: none",
        "  egress: internal",
        "",
      ].join("\n"),
    );
  });

  it("parses back to the same spec", () => {
    expect(parseYaml(specToYaml(spec))).toEqual(spec);
  });

  it("omits capabilities when there are none and survives YAML-special scalars", () => {
    const tricky = okSpec(
      base({
        name: "true",
        runtime: "1.5",
        capabilities: ["null", "on"],
        environments: { yes: { vars: { Y: "\u0000\u007f\u2028" } } },
      }),
    );
    const text = specToYaml({ ...tricky, capabilities: undefined });
    expect(text).not.toContain("capabilities");
    expect(parseYaml(text)).toEqual({ ...tricky, capabilities: undefined });
    expect(parseYaml(specToYaml(tricky))).toEqual(tricky);
  });

  it("sorts by byte order", () => {
    expect(["\uffff", "😀", "b"].sort(compareBytes)).toEqual(["b", "\uffff", "😀"]);
  });
});

describe("cfg/project-example.yaml", () => {
  const text = readFileSync(new URL("../../cfg/project-example.yaml", import.meta.url), "utf8");

  it("parses and validates", () => {
    const spec = okSpec(parseYaml(text));
    expect(spec.name).toBe("hello-api");
    expect(spec.runtime).toBe("go_1.26");
    expect(spec.capabilities).toEqual(["http"]);
    expect(Object.keys(spec.environments).sort()).toEqual(["dev", "prod", "staging"]);
    for (const env of Object.values(spec.environments)) {
      expect(Object.keys(env.vars).sort()).toEqual(["LOG_FORMAT", "LOG_LEVEL"]);
    }
    expect(spec.networkPolicies).toEqual({ ingress: "internal", egress: "internal" });
    expect(parseYaml(specToYaml(spec))).toEqual(spec);
  });
});
