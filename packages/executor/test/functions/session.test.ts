/**
 * Unit tests of the session family: the implementations against a fake SessionInfo (a settings
 * map with session and transaction-local layers), resolution through the binder with
 * `evaluateExpression`, and 0A000 without a session. Expected values were checked by hand
 * against PostgreSQL 15 with psql (error codes, current_schemas with pg_catalog in the path,
 * set_config's NULL handling and `SHOW`-style return value).
 */
import { describe, expect, it } from "vitest";
import { SqlState, TypeOid, hasSqlState, parseTimeZone, parseTimestamptz } from "@omnikv/base";
import { resolveFunction, sessionFunctions as signatures } from "@omnikv/planner";
import { builtinRegistry, evaluateExpression } from "@omnikv/executor";
import { sessionFunctions, sessionTypedFunctions, versionText } from "../../src/functions/session.ts";
import type { EvalContext, SessionInfo } from "../../src/functions/function-types.ts";

/** A session with PostgreSQL's two GUC layers: the session's values and the transaction's. */
class FakeSession implements SessionInfo {
  readonly databaseName = "shop";
  readonly currentUser = "alice";
  readonly sessionUser = "admin";
  readonly backendPid = 4242;
  readonly serverVersion = "15.0";
  readonly searchPath: readonly string[];
  readonly #sessionValues = new Map<string, string>([
    ["timezone", "UTC"],
    ["work_mem", "4MB"],
    ["search_path", '"$user", public'],
  ]);
  readonly #localValues = new Map<string, string>();
  #nextTransactionId = 731n;
  #transactionId: bigint | undefined;

  constructor(searchPath: readonly string[] = ["public"]) {
    this.searchPath = searchPath;
  }

  getSetting(name: string): string | undefined {
    return this.#localValues.get(name) ?? this.#sessionValues.get(name);
  }

  setSetting(name: string, value: string, isLocal: boolean): string {
    // As `SHOW work_mem` does, 8192 (kB) prints as 8MB.
    const shown = name === "work_mem" && value === "8192" ? "8MB" : value;
    (isLocal ? this.#localValues : this.#sessionValues).set(name, shown);
    return value;
  }

  currentTransactionId(): bigint {
    this.#transactionId ??= this.#nextTransactionId++;
    return this.#transactionId;
  }

  /** COMMIT: local settings end with the transaction, and the next one gets a new id. */
  commit(): void {
    this.#localValues.clear();
    this.#transactionId = undefined;
  }
}

const contextWithout: EvalContext = {
  extraFloatDigits: 1,
  timeZone: "UTC",
  transactionStartMicros: parseTimestamptz("2024-01-01 00:00:00+00", parseTimeZone("UTC")),
};

function contextWith(session: SessionInfo): EvalContext {
  return { ...contextWithout, session };
}

function evaluate(sql: string, session: SessionInfo = new FakeSession()): ReturnType<typeof evaluateExpression> {
  return evaluateExpression(sql, builtinRegistry, contextWith(session));
}

function sqlStateOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    for (const state of Object.values(SqlState)) if (hasSqlState(error, state)) return state;
    throw error;
  }
  return undefined;
}

describe("session catalog and implementations", () => {
  it("implements exactly the catalog's ids", () => {
    const implemented = [...Object.keys(sessionFunctions), ...Object.keys(sessionTypedFunctions)].sort();
    expect(implemented).toEqual(signatures.map((signature) => signature.id).sort());
  });

  it("declares the SQL value functions as stable no-argument functions returning name", () => {
    for (const functionName of ["current_user", "session_user", "current_role", "user", "current_catalog", "current_schema"]) {
      const resolved = resolveFunction(functionName, []);
      expect(resolved.signature.returnType).toBe(TypeOid.name);
      expect(resolved.signature.volatility).toBe("stable");
    }
  });
});

describe("session functions through the binder", () => {
  it("reads the user and database names as name", () => {
    for (const [sql, text] of [
      ["SELECT CURRENT_USER", "alice"],
      ["SELECT CURRENT_ROLE", "alice"],
      ["SELECT USER", "alice"],
      ["SELECT SESSION_USER", "admin"],
      ["SELECT CURRENT_CATALOG", "shop"],
      ["SELECT current_database()", "shop"],
      ["SELECT CURRENT_SCHEMA", "public"],
      ["SELECT current_schema()", "public"],
    ] as const) {
      const result = evaluate(sql);
      expect(result.typeName, sql).toBe("name");
      expect(result.text, sql).toBe(text);
    }
  });

  it("gives NULL for current_schema with no existing schema on the path", () => {
    expect(evaluate("SELECT current_schema()", new FakeSession([])).value).toBeNull();
  });

  it("lists current_schemas with pg_catalog first unless the path names it", () => {
    const session = new FakeSession(["app", "public"]);
    expect(evaluate("SELECT current_schemas(true)", session)).toMatchObject({ typeName: "name[]", text: "{pg_catalog,app,public}" });
    expect(evaluate("SELECT current_schemas(false)", session).text).toBe("{app,public}");
    expect(evaluate("SELECT current_schemas(true)", new FakeSession(["public", "pg_catalog"])).text).toBe("{public,pg_catalog}");
    expect(evaluate("SELECT current_schemas(true)", new FakeSession([])).text).toBe("{pg_catalog}");
    expect(evaluate("SELECT current_schemas(false)", new FakeSession([])).text).toBe("{}");
    expect(evaluate("SELECT current_schemas(NULL)").value).toBeNull();
  });

  it("reads settings, and fails with 42704 for an unknown one unless missing_ok", () => {
    expect(evaluate("SELECT current_setting('timezone')")).toMatchObject({ typeName: "text", text: "UTC" });
    expect(() => evaluate("SELECT current_setting('nope')")).toThrow('unrecognized configuration parameter "nope"');
    expect(sqlStateOf(() => evaluate("SELECT current_setting('nope')"))).toBe("42704");
    expect(evaluate("SELECT current_setting('nope', true)").value).toBeNull();
    expect(sqlStateOf(() => evaluate("SELECT current_setting('nope', false)"))).toBe("42704");
    expect(evaluate("SELECT current_setting(NULL)").value).toBeNull();
    expect(evaluate("SELECT current_setting('timezone', NULL)").value).toBeNull();
  });

  it("sets for the session or the transaction, returning the value as SHOW prints it", () => {
    const session = new FakeSession();
    expect(evaluate("SELECT set_config('work_mem', '8192', false)", session).text).toBe("8MB");
    expect(evaluate("SELECT set_config('timezone', 'Europe/Paris', true)", session).text).toBe("Europe/Paris");
    expect(evaluate("SELECT current_setting('timezone')", session).text).toBe("Europe/Paris");
    session.commit();
    expect(evaluate("SELECT current_setting('timezone')", session).text).toBe("UTC");
    expect(evaluate("SELECT current_setting('work_mem')", session).text).toBe("8MB");
  });

  it("handles set_config's NULL arguments and unknown names as PostgreSQL does", () => {
    const session = new FakeSession();
    expect(sqlStateOf(() => evaluate("SELECT set_config(NULL, 'x', false)", session))).toBe("22004");
    expect(evaluate("SELECT set_config('timezone', 'Asia/Tokyo', NULL)", session).text).toBe("Asia/Tokyo");
    session.commit();
    expect(evaluate("SELECT current_setting('timezone')", session).text).toBe("Asia/Tokyo");
    expect(sqlStateOf(() => evaluate("SELECT set_config('bogus', 'x', false)", session))).toBe("42704");
    expect(evaluate("SELECT set_config('app.tenant', '7', false)", session).text).toBe("7");
    expect(evaluate("SELECT current_setting('app.tenant')", session).text).toBe("7");
    expect(sqlStateOf(() => evaluate("SELECT set_config('work_mem', NULL, false)", session))).toBe("0A000");
  });

  it("reads the backend pid and the transaction id", () => {
    const session = new FakeSession();
    expect(evaluate("SELECT pg_backend_pid()", session)).toMatchObject({ typeName: "integer", value: 4242 });
    expect(evaluate("SELECT txid_current()", session)).toMatchObject({ typeName: "bigint", value: 731n });
    expect(evaluate("SELECT txid_current()", session).value).toBe(731n);
    session.commit();
    expect(evaluate("SELECT txid_current()", session).value).toBe(732n);
  });

  it("builds version() text that clients parse as PostgreSQL X.Y", () => {
    const result = evaluate("SELECT version()");
    expect(result.typeName).toBe("text");
    expect(result.text).toMatch(/^PostgreSQL 15\.0 \(OmniKV-TS\) on \S+, compiled by Node\.js v\d+\.\d+\.\d+, (32|64)-bit$/);
    expect(versionText("15.4")).toMatch(/^PostgreSQL 15\.4 /);
  });

  it("fails with 0A000 without a session", () => {
    for (const sql of [
      "SELECT CURRENT_USER",
      "SELECT current_schema()",
      "SELECT current_schemas(true)",
      "SELECT current_setting('timezone')",
      "SELECT set_config('timezone', 'UTC', false)",
      "SELECT txid_current()",
      "SELECT version()",
    ]) {
      expect(sqlStateOf(() => evaluateExpression(sql, builtinRegistry, contextWithout)), sql).toBe("0A000");
    }
    expect(() => evaluateExpression("SELECT current_database()", builtinRegistry, contextWithout)).toThrow(
      "current_database() needs a session",
    );
  });
});

describe("pg_typeof (typed per call site)", () => {
  it("gives the resolved argument type as a regtype, for NULL too", () => {
    const typeOf = (oid: number): unknown => sessionTypedFunctions["pg_typeof(any)"]?.([oid])([null], contextWithout);
    expect(typeOf(TypeOid.int4)).toBe(TypeOid.int4);
    expect(typeOf(TypeOid.nameArray)).toBe(TypeOid.nameArray);
    const shown = (sql: string): string | null => evaluateExpression(sql, builtinRegistry, contextWithout).text;
    expect(shown("SELECT pg_typeof(1)")).toBe("integer");
    expect(shown("SELECT pg_typeof(NULL)")).toBe("unknown");
    expect(shown("SELECT pg_typeof('{a}'::name[])")).toBe("name[]");
  });
});
