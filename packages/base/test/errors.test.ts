import { describe, expect, it } from "vitest";
import {
  DataCorruptedError,
  DbError,
  IoError,
  ProgramLimitExceededError,
  SqlState,
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
