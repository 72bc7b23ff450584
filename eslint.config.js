// ESLint (flat config): the rule-based half of `make lint` (SPEC §14); prettier is the formatter half and
// `tsc --noEmit` (strict, noUnusedLocals) the type half.
//
// Parser: @babel/eslint-parser with Babel's TypeScript syntax plugin. typescript-eslint is not an option here:
// it needs TypeScript's JavaScript API (typescript < 6.1) and this project type-checks with TypeScript 7, which
// ships none; native linters (biome, oxlint) need per-platform packages the registry we install from lacks.
// Babel parses TS/TSX syntax, so every core rule that does not need type information applies. Rules that would
// need types (no-undef, no-unused-vars) stay off: tsc covers them.
import js from "@eslint/js";
import babelParser from "@babel/eslint-parser";
import syntaxTypeScript from "@babel/plugin-syntax-typescript";

const babelTs = (isTSX) => ({
  requireConfigFile: false,
  babelOptions: { babelrc: false, configFile: false, plugins: [[syntaxTypeScript, { isTSX }]] },
});

export default [
  { ignores: ["**/node_modules/**", "dist/**", "test-output/**", "coverage/**", ".tmp/**", "data/**"] },
  js.configs.recommended,
  { files: ["**/*.ts"], languageOptions: { parser: babelParser, parserOptions: babelTs(false) } },
  { files: ["**/*.tsx"], languageOptions: { parser: babelParser, parserOptions: babelTs(true) } },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": "off",
      "no-undef": "off",
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
      "no-self-compare": "error",
      "no-throw-literal": "error",
      "prefer-promise-reject-errors": "error",
      "no-unreachable-loop": "error",
      "no-template-curly-in-string": "error",
      "no-return-assign": "error",
      "no-new-func": "error",
      "no-implied-eval": "error",
      "no-eval": "error",
      "no-constructor-return": "error",
      "array-callback-return": "error",
    },
  },
  // DESIGN: dependencies point cmd → server → workers. Workers get everything through StepContext
  // (workers/types.ts) and never import the server.
  {
    files: ["workers/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/server/**", "**/cmd/**"],
              message: "workers must not import server/ or cmd/ (DESIGN: cmd → server → workers)",
            },
          ],
        },
      ],
    },
  },
  // The server is a library of the composition root; it never reaches back into cmd/.
  {
    files: ["server/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/cmd/**"], message: "server must not import cmd/ (DESIGN: cmd → server → workers)" }],
        },
      ],
    },
  },
];
