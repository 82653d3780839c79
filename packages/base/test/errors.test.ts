import { describe, expect, it } from "vitest";
import {
  DataCorruptedError,
  DbError,
  FeatureNotSupportedError,
  IoError,
  ProgramLimitExceededError,
  SqlState,
  StatementTooComplexError,
  hasSqlState,
} from "@omnikv/base";

class SerializationFailureError extends DbError {
  override readonly name = "SerializationFailureError";
  readonly sqlState = SqlState.SerializationFailure;
}

describe("DbError", () => {
  it("carries its SQLSTATE, name and cause", () => {
    const cause = new Error("EIO");
    const error = new IoError("could not fsync file \"x\"", { cause });
    expect(error).toBeInstanceOf(DbError);
    expect(error).toBeInstanceOf(Error);
    expect(error.sqlState).toBe("58030");
    expect(error.name).toBe("IoError");
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('could not fsync file "x"');
  });

  it("carries an optional 1-based position, hint and detail, and rejects a position below 1", () => {
    const error = new StatementTooComplexError("stack depth limit exceeded", { position: 3, hint: "nest less" });
    expect(error.sqlState).toBe("54001");
    expect(error.position).toBe(3);
    expect(error.hint).toBe("nest less");
    expect(error.detail).toBeUndefined();
    expect(new FeatureNotSupportedError("ROLLUP is not supported").position).toBeUndefined();
    expect(() => new FeatureNotSupportedError("x", { position: 0 })).toThrow(/1-based/);
  });

  it("is retryable exactly for SQLSTATE class 40", () => {
    expect(new SerializationFailureError("could not serialize access").isRetryable).toBe(true);
    expect(new DataCorruptedError("bad checksum").isRetryable).toBe(false);
    expect(new ProgramLimitExceededError("too big").isRetryable).toBe(false);
  });

  it("hasSqlState branches on the code, not the message", () => {
    const error: unknown = new DataCorruptedError("anything");
    expect(hasSqlState(error, SqlState.DataCorrupted)).toBe(true);
    expect(hasSqlState(error, SqlState.IoError)).toBe(false);
    expect(hasSqlState(new Error("XX001"), SqlState.DataCorrupted)).toBe(false);
  });

  it("uses PostgreSQL's codes", () => {
    expect(SqlState).toMatchObject({
      SerializationFailure: "40001",
      SyntaxError: "42601",
      UndefinedTable: "42P01",
      UniqueViolation: "23505",
      InvalidPassword: "28P01",
      InsufficientPrivilege: "42501",
      ProtocolViolation: "08P01",
      DataCorrupted: "XX001",
      IoError: "58030",
      InternalError: "XX000",
    });
    for (const code of Object.values(SqlState)) {
      expect(code).toMatch(/^[0-9A-Z]{5}$/);
    }
  });
});
