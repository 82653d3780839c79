/**
 * SCRAM-SHA-256 math against RFC 7677's test vector (section 3), the verifier format PostgreSQL
 * stores, and md5 secrets.
 */
import { describe, expect, it } from "vitest";
import { InvalidPasswordError, ScramExchange, createScramVerifier, md5Secret } from "@omnikv/pgwire";
import { parseScramVerifier, scramVerifierMatches } from "../src/auth/scram.ts";
import { md5ResponseMatches } from "../src/auth/md5.ts";
import { createHash } from "node:crypto";

// RFC 7677 section 3: user "user", password "pencil".
const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
const clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

function vectorExchange(): ScramExchange {
  return new ScramExchange(parseScramVerifier(createScramVerifier("pencil", { salt, iterations: 4096 })), { serverNonce });
}


/** The value `action` throws, or undefined. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("SCRAM-SHA-256", () => {
  it("reproduces RFC 7677's exchange", () => {
    const exchange = vectorExchange();
    expect(exchange.clientFirst(clientFirst)).toBe(serverFirst);
    expect(exchange.clientFinal(clientFinal, "user")).toBe(serverFinal);
  });

  it("rejects a wrong proof with 28P01 naming only the user", () => {
    const exchange = vectorExchange();
    exchange.clientFirst(clientFirst);
    const wrongProof = clientFinal.replace("p=dHzb", "p=dHzc");
    expect(() => exchange.clientFinal(wrongProof, "user")).toThrow(InvalidPasswordError);
  });

  it("fails a mock exchange (unknown user) even with a well-formed proof", () => {
    const exchange = new ScramExchange(undefined, { serverNonce });
    expect(exchange.clientFirst(clientFirst)).toMatch(/^r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj\)hNlF\$k0,s=[^,]+,i=4096$/);
    expect(() => exchange.clientFinal(clientFinal, "user")).toThrow('password authentication failed for user "user"');
  });

  it("rejects malformed messages and a changed nonce with 08P01", () => {
    expect(thrown(() => vectorExchange().clientFirst("garbage"))).toMatchObject({ sqlState: "08P01" });
    const exchange = vectorExchange();
    exchange.clientFirst(clientFirst);
    expect(thrown(() => exchange.clientFinal(clientFinal.replace("r=rOpr", "r=xOpr"), "user"))).toMatchObject({ sqlState: "08P01" });
  });

  it("refuses channel binding (p=) with 0A000", () => {
    expect(thrown(() => vectorExchange().clientFirst("p=tls-server-end-point,,n=,r=abc"))).toMatchObject({ sqlState: "0A000" });
  });

  it("writes and reads verifiers in PostgreSQL's format", () => {
    const verifier = createScramVerifier("pencil", { salt, iterations: 4096 });
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    const parsed = parseScramVerifier(verifier);
    expect(parsed).toBeDefined();
    if (parsed === undefined) return;
    expect(scramVerifierMatches(parsed, "pencil")).toBe(true);
    expect(scramVerifierMatches(parsed, "pencil!")).toBe(false);
    expect(parseScramVerifier("md5abc")).toBeUndefined();
    expect(parseScramVerifier("SCRAM-SHA-256$4096:AAAA$AAAA:AAAA")).toBeUndefined();
  });
});

describe("md5", () => {
  it("stores md5(password + user) and checks a salted response", () => {
    const secret = md5Secret("secret", "kv");
    expect(secret).toBe(`md5${createHash("md5").update("secretkv").digest("hex")}`);
    const saltBytes = Buffer.from([1, 2, 3, 4]);
    const response = `md5${createHash("md5").update(secret.slice(3)).update(saltBytes).digest("hex")}`;
    expect(md5ResponseMatches(secret, saltBytes, response)).toBe(true);
    expect(md5ResponseMatches(secret, Buffer.from([1, 2, 3, 5]), response)).toBe(false);
    expect(md5ResponseMatches(secret, saltBytes, "md5")).toBe(false);
  });
});
