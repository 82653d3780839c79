/**
 * PostgreSQL's `select_common_type`; it lives with the resolver, which needs it for the
 * anycompatible family, and is re-exported here for the binder.
 */
export { selectCommonType } from "../functions/resolve.ts";
