import { describe, expect, it } from "vitest";
import { computeScramProof, createScramVerifier, parseScramVerifier, scramPasswordMatches, verifyScramProof } from "../src/index.ts";

// RFC 7677 section 3: user "user", password "pencil".
const rfc7677 = {
  password: "pencil",
  salt: Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"),
  iterations: 4096,
  clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinalWithoutProof: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  proof: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};
const authMessage = `${rfc7677.clientFirstBare},${rfc7677.serverFirst},${rfc7677.clientFinalWithoutProof}`;

describe("SCRAM-SHA-256 verifiers", () => {
  const verifierText = createScramVerifier(rfc7677.password, { salt: rfc7677.salt, iterations: rfc7677.iterations });
  const verifier = parseScramVerifier(verifierText);

  it("match RFC 7677's test vector: the client proof and the server signature", () => {
    expect(verifier).toBeDefined();
    if (verifier === undefined) return;
    expect(Buffer.from(computeScramProof(rfc7677.password, rfc7677.salt, rfc7677.iterations, authMessage)).toString("base64")).toBe(rfc7677.proof);
    const signature = verifyScramProof(verifier, authMessage, Buffer.from(rfc7677.proof, "base64"));
    expect(signature === undefined ? undefined : Buffer.from(signature).toString("base64")).toBe(rfc7677.serverSignature);
  });

  it("reject a wrong proof, a short proof and another auth message", () => {
    if (verifier === undefined) throw new Error("verifier");
    const proof = Buffer.from(rfc7677.proof, "base64");
    const flipped = Buffer.from(proof);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(verifyScramProof(verifier, authMessage, flipped)).toBeUndefined();
    expect(verifyScramProof(verifier, authMessage, proof.subarray(0, 31))).toBeUndefined();
    expect(verifyScramProof(verifier, `${authMessage}x`, proof)).toBeUndefined();
  });

  it("store only salt, iterations, StoredKey and ServerKey, in PostgreSQL's format", () => {
    expect(verifierText).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(verifierText).not.toContain("pencil");
    const fresh = createScramVerifier("pencil");
    expect(fresh).not.toBe(createScramVerifier("pencil"));
  });

  it("check cleartext passwords", () => {
    if (verifier === undefined) throw new Error("verifier");
    expect(scramPasswordMatches(verifier, "pencil")).toBe(true);
    expect(scramPasswordMatches(verifier, "pencil ")).toBe(false);
    expect(scramPasswordMatches(verifier, "")).toBe(false);
  });

  it("parse only well-formed verifiers", () => {
    expect(parseScramVerifier("md5abc")).toBeUndefined();
    expect(parseScramVerifier("SCRAM-SHA-256$0:AAAA$AAAA:AAAA")).toBeUndefined();
    expect(parseScramVerifier(verifierText.replace(/:[^:]*$/, ":AAAA"))).toBeUndefined();
  });
});
