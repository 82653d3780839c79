import { packageConfig } from "../../vitest.shared.ts";

// The tests run the real server (dist/cli.js) as a child process, so dist/ is built first.
export default packageConfig({ globalSetup: ["./test/build-dist.global-setup.ts"], testTimeoutMs: 120_000 });
