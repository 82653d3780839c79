import { packageConfig } from "../../vitest.shared.ts";

export default packageConfig({ testTimeoutMs: 120_000 });
