import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import { quoteYaml, toYaml, type YamlMap } from "./yaml.js";

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
