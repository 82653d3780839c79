/**
 * The raft package's operating errors, each a `DbError` with a SQLSTATE. Protocol bugs are
 * assertions, not errors; these are what a caller of the runtime can meet.
 */
import { DbError, SqlState } from "@omnikv/base";

/** 22023: a configuration value outside its documented domain. */
export class RaftConfigError extends DbError {
  override readonly name = "RaftConfigError";
  readonly sqlState = SqlState.InvalidParameterValue;
}

/**
 * 55000: the node cannot serve the request in its current role (not the leader, a leader transfer
 * is in progress, or it lost leadership before the request completed). Retry on the leader.
 */
export class NotLeaderError extends DbError {
  override readonly name = "NotLeaderError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
  /** The leader this node knows of, or 0. */
  readonly leaderId: number;

  constructor(message: string, leaderId: number) {
    super(message);
    this.leaderId = leaderId;
  }
}

/** 58030: the log storage failed; the node stops, since it can no longer promise durability. */
export class RaftStorageError extends DbError {
  override readonly name = "RaftStorageError";
  readonly sqlState = SqlState.IoError;
}

/** 55000: the runtime was stopped. */
export class RaftStoppedError extends DbError {
  override readonly name = "RaftStoppedError";
  readonly sqlState = SqlState.ObjectNotInPrerequisiteState;
}

/**
 * 54000: a `TcpNetwork` frame larger than `frameBytesMax`, either a message too large to send (it
 * is dropped) or a frame announced by a peer (the connection is closed before reading it).
 */
export class RaftFrameTooLargeError extends DbError {
  override readonly name = "RaftFrameTooLargeError";
  readonly sqlState = SqlState.ProgramLimitExceeded;
}

/** 08P01: bytes from a peer that are not a valid frame (bad magic, version, checksum or body). */
export class RaftProtocolError extends DbError {
  override readonly name = "RaftProtocolError";
  readonly sqlState = SqlState.ProtocolViolation;
}
