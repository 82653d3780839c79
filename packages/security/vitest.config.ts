import { packageConfig } from "../../vitest.shared.ts";

// The crash test's child processes import the built packages (dist/), as a consumer would.
// Argon2id with real parameters and the crash cycles take seconds on a loaded machine.
export default packageConfig({ globalSetup: ["./test/build-dist.global-setup.ts"], testTimeoutMs: 120_000 });
