/**
 * The vitest configuration every package shares. Each package's `vitest.config.ts` re-exports
 * `packageConfig()` so that `npx vitest` inside a package and `nx run <pkg>:test` behave the same.
 *
 * Why the resolve conditions: inside the workspace `@omnikv/*` imports must resolve to `src/`
 * (the `@omnikv/source` export condition), so tests run on source with no build step.
 */
import { defineConfig, type ViteUserConfig } from "vitest/config";

const sourceConditions = ["@omnikv/source", "import", "node", "default"];

export interface PackageConfigOptions {
  /** Files run once before the test files, e.g. a build of `dist/` for child-process tests. */
  readonly globalSetup?: readonly string[];
  /** Per-test timeout; crash and property tests need more than vitest's default 5 s. */
  readonly testTimeoutMs?: number;
}

export function packageConfig(options: PackageConfigOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    // Only our own condition is added for server-side resolution: vitest hands these to Node as
    // `--conditions` for external packages too, and with `import` among them a CommonJS package
    // that `require`s another (pg requires pg-pool) receives an ES module namespace instead.
    ssr: { resolve: { conditions: ["@omnikv/source"], externalConditions: ["@omnikv/source"] } },
    test: {
      include: ["test/**/*.test.ts"],
      environment: "node",
      testTimeout: options.testTimeoutMs ?? 30_000,
      // Hooks start PostgreSQL oracles and build dist/; on a loaded 2-core CI machine they need
      // the same allowance as tests, not vitest's 10 s default.
      hookTimeout: options.testTimeoutMs ?? 30_000,
      globalSetup: options.globalSetup ? [...options.globalSetup] : [],
      // Benchmarks live in bench/ and run only through the `bench` target.
      benchmark: { include: ["bench/**/*.bench.ts"] },
      // A test that only exists as `.only` would silently disable its neighbours in CI.
      allowOnly: false,
      // The JSON report feeds the run's closing "N passed, N failed" line (tools/test-summary.mjs).
      reporters: ["default", ["json", { outputFile: ".test-results/vitest.json" }]],
    },
  });
}
