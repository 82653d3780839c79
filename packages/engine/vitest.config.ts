import { packageConfig } from "../../vitest.shared.ts";

// The sqllogictest files and the crash test run thousands of statements. The crash test runs
// child processes that import the built package (dist/), as a consumer would.
export default packageConfig({ globalSetup: ["./test/build-dist.global-setup.ts"], testTimeoutMs: 120_000 });
