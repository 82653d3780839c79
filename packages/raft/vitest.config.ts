import { packageConfig } from "../../vitest.shared.ts";

// The real-process test runs the example KV server, which imports the built package (dist/), as a
// consumer would.
export default packageConfig({ globalSetup: ["./test/build-dist.global-setup.ts"], testTimeoutMs: 60_000 });
