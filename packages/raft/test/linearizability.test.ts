/**
 * The linearizability checker itself: it must accept every legal concurrent history and reject
 * stale reads and lost acknowledged writes, or the simulator's verdicts mean nothing.
 */
import { describe, expect, it } from "vitest";
import { checkLinearizable, type KvOperation } from "./support/linearizability.ts";

function put(key: string, value: string, invokeMs: number, responseMs: number): KvOperation {
  return { kind: "put", key, value, invokeMs, responseMs };
}

function get(key: string, result: string | undefined, invokeMs: number, responseMs: number): KvOperation {
  return { kind: "get", key, result, invokeMs, responseMs };
}

describe("linearizability checker", () => {
  it("accepts a sequential history", () => {
    const history = [put("x", "1", 0, 10), get("x", "1", 20, 30), put("x", "2", 40, 50), get("x", "2", 60, 70)];
    expect(checkLinearizable(history).outcome).toBe("ok");
  });

  it("accepts either order of overlapping operations", () => {
    const history = [put("x", "1", 0, 100), get("x", undefined, 10, 20), get("x", "1", 30, 40), get("x", "1", 110, 120)];
    expect(checkLinearizable(history).outcome).toBe("ok");
  });

  it("rejects a stale read after a newer write was acknowledged", () => {
    const history = [put("x", "1", 0, 10), put("x", "2", 20, 30), get("x", "1", 40, 50)];
    const result = checkLinearizable(history);
    expect(result.outcome).toBe("violation");
    if (result.outcome === "violation") expect(result.key).toBe("x");
  });

  it("rejects a lost acknowledged write", () => {
    const history = [put("x", "1", 0, 10), get("x", undefined, 20, 30)];
    expect(checkLinearizable(history).outcome).toBe("violation");
  });

  it("rejects a read that goes back in time between two readers", () => {
    // Both reads follow the write's invocation; once one saw "2", a later read may not see "1".
    const history = [put("x", "1", 0, 5), put("x", "2", 10, 100), get("x", "2", 20, 30), get("x", "1", 40, 50)];
    expect(checkLinearizable(history).outcome).toBe("violation");
  });

  it("lets a write of unknown outcome take effect or not", () => {
    const seen = [put("x", "1", 0, 10), put("x", "2", 20, Infinity), get("x", "2", 30, 40)];
    const unseen = [put("x", "1", 0, 10), put("x", "2", 20, Infinity), get("x", "1", 30, 40)];
    expect(checkLinearizable(seen).outcome).toBe("ok");
    expect(checkLinearizable(unseen).outcome).toBe("ok");
    const flipFlop = [...seen, get("x", "1", 50, 60)];
    expect(checkLinearizable(flipFlop).outcome).toBe("violation");
  });

  it("checks keys independently", () => {
    const history = [put("x", "1", 0, 10), put("y", "9", 0, 10), get("y", "9", 20, 30), get("x", "0", 20, 30)];
    const result = checkLinearizable(history);
    expect(result.outcome).toBe("violation");
    if (result.outcome === "violation") expect(result.key).toBe("x");
  });

  it("handles many concurrent writers without blowing up", () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 12; i++) history.push(put("k", `v${i}`, i, 1000 + i));
    history.push(get("k", "v7", 2000, 2010), get("k", "v7", 2020, 2030));
    expect(checkLinearizable(history).outcome).toBe("ok");
    history.push(get("k", "v8", 2040, 2050));
    expect(checkLinearizable(history).outcome).toBe("violation");
  });
});
