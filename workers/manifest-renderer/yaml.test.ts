import fc from "fast-check";
import { describe, it, expect } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseDocuments, quoteYaml, toYaml, toYamlStream, type YamlMap, type YamlValue } from "./yaml.js";

describe("toYaml", () => {
  it("writes block style with indented sequences and empty collections inline", () => {
    const doc: YamlMap = {
      a: 1,
      b: true,
      c: null,
      list: ["x", { k: "v", m: [1] }, [], {}],
      map: { deep: { x: "z" } },
      e: [],
    };
    expect(toYaml(doc)).toBe(`a: 1
b: true
c: null
list:
  - x
  - k: v
    m:
      - 1
  - []
  - {}
map:
  deep:
    x: z
e: []
`);
  });

  it("quotes strings another reader could take for something else, under YAML 1.1 and 1.2", () => {
    const tricky = [
      "yes",
      "on",
      "Y",
      "true",
      "null",
      "~",
      "123",
      "012",
      "1e3",
      "0x1f",
      "1_000",
      "12:30",
      ".inf",
      "",
      " lead",
      "a: b",
      "a #b",
      "-",
      "- x",
      "#",
      "@x",
      "*x",
      "&x",
      "!x",
      "{}",
      "[x]",
      "a\nb",
      "tab\there",
      "x:",
    ];
    for (const s of tricky) {
      const text = toYaml({ v: s });
      expect(text).toBe(`v: ${quoteYaml(s)}\n`);
      expect(parse(text)).toEqual({ v: s });
      expect(parse(text, { version: "1.1" })).toEqual({ v: s });
    }
  });

  it("leaves unambiguous strings plain", () => {
    for (const s of ["local/shop-api", "sha256:abc", "../../base", "platform.example.com/ingress", "v1.2", "a-b_c"]) {
      expect(toYaml({ v: s })).toBe(`v: ${s}\n`);
    }
  });

  it("always double-quotes container env values", () => {
    expect(toYaml({ env: [{ name: "A", value: "plain" }], other: [{ value: "plain" }] })).toBe(`env:
  - name: A
    value: "plain"
other:
  - value: plain
`);
  });
});

describe("quoteYaml", () => {
  it("uses JSON escapes and escapes YAML non-printables", () => {
    expect(quoteYaml('a"b\\c\n\t')).toBe('"a\\"b\\\\c\\n\\t"');
    expect(quoteYaml("\u007f\u0085\u2028\ufeff")).toBe('"\\u007f\\u0085\\u2028\\ufeff"');
    expect(parse(quoteYaml("é \u007f\u2028 😀"))).toBe("é \u007f\u2028 😀");
  });
});

describe("plain-or-quoted decision", () => {
  // The decision before the fast path: a candidate is plain only when both schemas read it back as itself.
  const reference = (s: string) =>
    /^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$/.test(s) &&
    !s.endsWith(":") &&
    parse(s) === s &&
    parse(s, { version: "1.1" }) === s;
  const emitted = (s: string) => toYaml({ [s]: s }).slice(0, -1);
  const expected = (s: string) => {
    const scalar = reference(s) ? s : quoteYaml(s);
    return `${scalar}: ${scalar}`;
  };
  const roundTrips = (s: string) => {
    const text = toYaml({ [s]: s, list: [s], env: [{ name: s, value: s }] });
    const want = { [s]: s, list: [s], env: [{ name: s, value: s }] };
    expect(parse(text), text).toEqual(want);
    expect(parse(text, { version: "1.1" }), text).toEqual(want);
  };

  const generated = [
    // numbers and things that look like them
    ...[
      "0",
      "7",
      "-1",
      "+1",
      "00",
      "012",
      "0o17",
      "0x1F",
      "0b101",
      "1_000",
      "1e3",
      "1E-3",
      "0e1234",
      "1.",
      ".5",
      "1.5",
    ],
    ...["12:30", "1:20:30", "190:20:30.15", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1.0.0", "0.1.0-rc1"],
    ...[".inf", "-.inf", "+.Inf", ".NaN", ".nan", "Infinity", "NaN", "nan", "inf"],
    // booleans and null-ish words in every case
    ...["y", "Y", "n", "N", "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "oN", "off", "Off", "OFF"],
    ...["true", "True", "TRUE", "tRue", "false", "False", "FALSE", "null", "Null", "NULL", "nUll", "~", "", "Nothing"],
    // spaces, colons, comments, indicators
    ...[
      " lead",
      "trail ",
      " both ",
      "a b",
      "a: b",
      "a:b",
      "a:",
      ":a",
      "::",
      "a::b",
      "http://x:80/p",
      "a#b",
      "a #b",
      "#",
    ],
    ...[
      "-",
      "-a",
      "--",
      "---",
      "...",
      "?",
      "?a",
      "a?",
      "@a",
      "a@b",
      "`a",
      "a,b",
      "[a]",
      "{a}",
      "*a",
      "&a",
      "!a",
      "|",
      ">",
    ],
    ...["%a", "'a'", '"a"', "a'b", 'a"b', "a\\b", "a\tb", "a\nb", "\u0085", "\u2028"],
    // words the renderer writes, and unicode
    ...[
      "apiVersion",
      "app",
      "IfNotPresent",
      "/abs/path",
      "_x",
      "local/shop-api",
      "sha256:abc",
      "ünïcødé",
      "日本",
      "😀",
    ],
    ...["PLATFORM_ENVIRONMENT", "x.y/z", "a+b", "A-1", "y1", "n_o", "on-call", "nullable", "truex", "offset"],
  ];

  it("matches the parser's decision and round-trips under YAML 1.1 and 1.2", () => {
    for (const s of generated) {
      expect(emitted(s), JSON.stringify(s)).toBe(expected(s));
      roundTrips(s);
    }
  });

  it("matches the parser's decision for arbitrary strings from the candidate alphabet", () => {
    const alphabet = "aAyYnNoOtTfFeEx0123456789_./:@+-~ #".split("");
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 8 }), (chars) => {
        const s = chars.join("");
        expect(emitted(s)).toBe(expected(s));
        roundTrips(s);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 10 }), (s) => {
        expect(emitted(s)).toBe(expected(s));
        roundTrips(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseDocuments", () => {
  const fromParser = (text: string) =>
    parseAllDocuments(text).map((d) => (d.errors.length > 0 ? { error: d.errors[0].message } : { value: d.toJS() }));

  it("gives what the parser gives, for emitted documents (remembered) and any other text", () => {
    const key = fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }).filter((k) => k !== "__proto__");
    const scalar = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.double(),
    );
    const { tree } = fc.letrec<{ tree: YamlValue; map: YamlMap }>((tie) => ({
      tree: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("tree"), { maxLength: 3 }), tie("map")),
      map: fc.dictionary(key, tie("tree"), { maxKeys: 4 }) as fc.Arbitrary<YamlMap>,
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 4 }), (doc) => {
        const text = toYaml(doc as YamlMap);
        expect(parseDocuments(text)).toEqual(fromParser(text));
      }),
      { numRuns: 1000 },
    );
    const stream = toYamlStream([{ kind: "Service", spec: { ports: [{ port: 80 }] } }, { kind: "Deployment" }]);
    expect(stream).toBe("kind: Service\nspec:\n  ports:\n    - port: 80\n---\nkind: Deployment\n");
    expect(parseDocuments(stream)).toEqual(fromParser(stream));
    for (const text of ["a: 1\n---\nb: [\n", "", "---\n---\n", "k: v\n---\n- 1\n", "x: !!binary aGk=\n"]) {
      expect(parseDocuments(text)).toEqual(fromParser(text));
    }
  });

  it("hands out copies: changing a result does not change the next one", () => {
    const text = toYaml({ spec: { containers: [{ name: "app", image: "a" }] } });
    const first = parseDocuments(text)[0].value as any;
    first.spec.containers[0].image = "changed";
    expect((parseDocuments(text)[0].value as any).spec.containers[0].image).toBe("a");
  });
});
