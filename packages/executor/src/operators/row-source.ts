/**
 * A compiled operator: given the execution context of one run, a stream of rows. Operators pull
 * from their inputs lazily (generators), so a scan streams from storage and only the operators
 * that must (sort, hash-join build side, aggregation, DISTINCT, set operations) hold rows.
 */
import type { ExecutionContext } from "./execution-context.ts";
import type { Row } from "./table-access.ts";

export type RowSource = (run: ExecutionContext) => Iterable<Row>;
