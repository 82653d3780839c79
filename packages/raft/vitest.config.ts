import { packageConfig } from "../../vitest.shared.ts";

export default packageConfig({ testTimeoutMs: 60_000 });
