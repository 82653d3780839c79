/**
 * Statements parsed per second (vitest's `hz`), for the three statements the parser issue names.
 * Target: ≥ 500,000/s for the pgbench point select on this machine, so that parsing never
 * matters next to a network round trip.
 */
import { bench, describe } from "vitest";
import { parse } from "@omnikv/parser";
import { analyticQuery, pgbenchSelect, pgbenchUpdate } from "./statements.mjs";

describe("parse", () => {
  bench("pgbench point SELECT", () => {
    parse(pgbenchSelect);
  });
  bench("pgbench TPC-B UPDATE", () => {
    parse(pgbenchUpdate);
  });
  bench("40-line analytic query (CTEs, joins, windows)", () => {
    parse(analyticQuery);
  });
});
