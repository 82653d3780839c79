import { packageConfig } from "../../vitest.shared.ts";

// The bounded-memory test runs 1,000,000 transactions and the history tests thousands.
export default packageConfig({ testTimeoutMs: 120_000 });
