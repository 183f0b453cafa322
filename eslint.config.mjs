import * as effectEslint from "@effect/eslint-plugin"
import simpleImportSort from "eslint-plugin-simple-import-sort"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/docs/**", "**/test/generated/**", "**/node_modules/**", "**/data/**", "**/*.md"] },
  ...tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    plugins: { "simple-import-sort": simpleImportSort },
    languageOptions: { parserOptions: { ecmaVersion: 2022, sourceType: "module" } },
    rules: {
      "no-fallthrough": "off",
      "no-irregular-whitespace": "off",
      "object-shorthand": "error",
      "prefer-destructuring": "off",
      "simple-import-sort/imports": "off",
      "@typescript-eslint/array-type": ["warn", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // One module per import, as Effect's packages write it: a barrel import loads every module of the package.
      "@effect/no-import-from-barrel-package": [
        "error",
        {
          packageNames: [
            "effect",
            "@effect/platform",
            "@effect/platform-node",
            "@effect/sql",
            "@effect/ai",
            "@effect/cli"
          ]
        }
      ],
      "@effect/dprint": [
        "error",
        {
          config: {
            indentWidth: 2,
            lineWidth: 120,
            semiColons: "asi",
            quoteStyle: "alwaysDouble",
            trailingCommas: "never",
            operatorPosition: "maintain",
            "arrowFunction.useParentheses": "force"
          }
        }
      ]
    }
  },
  {
    // Library code reports through Effect's Console and logger, which a program can redirect or silence.
    files: ["packages/*/src/**/*.ts"],
    rules: { "no-console": "error" }
  }
)
