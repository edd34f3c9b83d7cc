/**
 * The client's one error type: a refusal from any protocol layer becomes a RallyError with the
 * layer's plain words and a code chosen by the refusal's `layer` and `code` (never by class name).
 */
import { ProtocolError } from "@rally/protocol";
import { makeRumor } from "@rally/protocol/app";
import { icsToEvents } from "@rally/protocol/ics";
import { parsePubkey } from "@rally/protocol/identity";
import { decodeGroupData, MlsEngineError } from "@rally/protocol/mls";
import { signEvent } from "@rally/protocol/nostr";
import { decodeInnerRumor } from "@rally/protocol/wire";
import { describe, expect, test } from "vitest";
import { asRallyError, RallyError, rallyError } from "../../src/errors.ts";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

describe("asRallyError", () => {
  test.each([
    ["identity", () => parsePubkey("not a key")],
    ["wire", () => decodeInnerRumor(new TextEncoder().encode("{"))],
    ["app", () => makeRumor({ pubkey: "x", createdAt: 1, kind: 9, tags: [], content: "" })],
    ["ics", () => icsToEvents("not a calendar")],
    ["nostr", () => signEvent({ kind: 1, created_at: 1, tags: [], content: "" }, new Uint8Array(32))],
  ])("a %s refusal is bad input, in the layer's own words", (layer, fn) => {
    const e = thrown(fn) as ProtocolError;
    expect(e.layer).toBe(layer);
    const r = asRallyError(e);
    expect(r).toBeInstanceOf(RallyError);
    expect(r.code).toBe("bad-input");
    expect(r.message).toBe(e.message);
    expect((r as { cause?: unknown }).cause).toBe(e);
  });

  test("the MLS engine's codes: no right, no longer a member, or the engine failed", () => {
    expect(asRallyError(new MlsEngineError("not-admin", "Only admins.")).code).toBe("not-admin");
    expect(asRallyError(new MlsEngineError("forbidden", "Not allowed.")).code).toBe("not-admin");
    expect(asRallyError(new MlsEngineError("not-member", "Gone.")).code).toBe("not-member");
    const real = thrown(() => decodeGroupData(Uint8Array.of(9)));
    expect(real).toBeInstanceOf(MlsEngineError);
    expect(asRallyError(real).code).toBe("internal");
  });

  test("the code comes from layer and code, not from a class name", () => {
    const lookalike = Object.assign(new Error("Looks like a wire error."), { name: "MarmotError" });
    expect(asRallyError(lookalike).code).toBe("internal");
    expect(asRallyError(lookalike, "unreachable").code).toBe("unreachable");
    const renamed = new ProtocolError("wire", "malformed", "Renamed.");
    renamed.name = "SomethingElse";
    expect(asRallyError(renamed).code).toBe("bad-input");
    const mls = new ProtocolError("mls", "not-member", "Gone.");
    expect(asRallyError(mls).code).toBe("not-member");
  });

  test("a RallyError passes through; anything else keeps its words under the fallback code", () => {
    const own = rallyError("unknown-group", "No such group.");
    expect(asRallyError(own)).toBe(own);
    expect(asRallyError(new Error("Disk on fire.")).code).toBe("internal");
    expect(asRallyError("text", "bad-input")).toMatchObject({ code: "bad-input", message: "text" });
  });
});
