import { packageConfig } from "../../vitest.shared.ts";

// The sqllogictest files and the crash test run thousands of statements.
export default packageConfig({ testTimeoutMs: 120_000 });
