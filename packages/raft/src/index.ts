/**
 * @omnikv/raft — Raft consensus: a pure protocol core, with log storage, state machine and network
 * interfaces. See README.md.
 */
export {};
