import { generateSecretKey, PUBLIC_ANSWER_POW, personFromSecretKey, wrapPublicAnswer } from "@rally/client";
import { describe, expect, it } from "vitest";
import { checkAnswerWrap, MAX_WRAP_BYTES } from "../../../src/serve/public/answerWrap.ts";

const group = personFromSecretKey(generateSecretKey()).pubkey;
const other = personFromSecretKey(generateSecretKey()).pubkey;

/** A wrap of an answer to an event of the group `to`, as the page's script makes it. */
function answerWrap(
  fields: { name: string; contact: string | null; note: string },
  to = group,
  difficulty = PUBLIC_ANSWER_POW,
) {
  const event = `31923:${to}:${"a1".repeat(16)}`;
  return wrapPublicAnswer(
    { event, status: "going", guests: 20, ...fields },
    generateSecretKey(),
    to,
    undefined,
    {
      difficulty,
    },
  );
}

describe("checkAnswerWrap", { timeout: 120_000 }, () => {
  it("takes a wrap of an answer to the event's group, even with every field at its longest", async () => {
    const small = await answerWrap({ name: "Ann", contact: null, note: "" });
    const taken = checkAnswerWrap(JSON.stringify(small), group);
    expect(taken.ok && taken.wrap).toEqual(JSON.parse(JSON.stringify(small)));
    // 4-byte characters in every field at its limit still fit well under the limit.
    const largest = await answerWrap({
      name: "𝄞".repeat(100),
      contact: "𝄞".repeat(200),
      note: "𝄞".repeat(1000),
    });
    const text = JSON.stringify(largest);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_WRAP_BYTES * 0.75);
    expect(checkAnswerWrap(text, group).ok).toBe(true);
  });

  it("refuses, in words, what is not a signed gift wrap to that group alone", async () => {
    const wrap = await answerWrap({ name: "Ann", contact: null, note: "" });
    const nonce = wrap.tags[1]!;
    // Kind and tags are looked at before the signature, so a changed copy shows each rule's words.
    const changed = (fields: Record<string, unknown>) => JSON.stringify({ ...wrap, ...fields });
    const problem = (text: string) => {
      const r = checkAnswerWrap(text, group);
      return r.ok ? "taken" : r.problem;
    };
    expect(problem(JSON.stringify(wrap))).toBe("taken");
    const toOther = await answerWrap({ name: "Ann", contact: null, note: "" }, other, 0);
    expect(problem(JSON.stringify(toOther))).toContain("addressed to another key");
    expect(problem(changed({ tags: [["p"], nonce] }))).toContain("addressed to another key");
    const twoTags = "exactly two tags: the p tag of the group's public key and the nonce tag";
    expect(problem(changed({ tags: [] }))).toContain(twoTags);
    expect(problem(changed({ tags: [["p", group]] }))).toContain(twoTags);
    expect(problem(changed({ tags: [["p", group], nonce, ["expiration", "1"]] }))).toContain(twoTags);
    expect(
      problem(
        changed({
          tags: [
            ["p", group],
            ["expiration", "1"],
          ],
        }),
      ),
    ).toContain(twoTags);
    expect(
      problem(
        changed({
          tags: [
            ["p", group],
            ["p", other],
          ],
        }),
      ),
    ).toContain(twoTags);
    expect(problem(changed({ tags: [nonce, nonce] }))).toContain(twoTags);
    expect(problem(changed({ kind: 14 }))).toContain("not kind 14");
    expect(problem(changed({ tags: [["p", group, "wss://relay.example"], nonce] }))).toContain(
      "signature is not valid",
    );
    expect(problem(JSON.stringify({ ...wrap, sig: "0".repeat(128) }))).toContain("signature is not valid");
    expect(problem(JSON.stringify({ ...wrap, created_at: wrap.created_at + 1 }))).toContain(
      "signature is not valid",
    );
    expect(problem(JSON.stringify({ ...wrap, id: "xyz" }))).toContain("not a Nostr event: id must be");
    expect(problem("[1,2]")).toContain("not a Nostr event");
    expect(problem("wrap")).toContain("not JSON");
    // Too little work: a wrap mined for less, or one that commits to less than an answer needs.
    const cheap = await answerWrap({ name: "Ann", contact: null, note: "" }, group, 0);
    expect(problem(JSON.stringify(cheap))).toMatch(
      /^The answer's proof of work is too small: its id has \d+ leading zero bits, an answer needs/,
    );
    expect(
      problem(
        changed({
          tags: [
            ["p", group],
            [nonce[0], nonce[1], "1"],
          ],
        }),
      ),
    ).toContain(`its nonce tag aims at 1 bits, an answer needs ${PUBLIC_ANSWER_POW}`);
    const big = changed({ content: "A".repeat(MAX_WRAP_BYTES) });
    expect(problem(big)).toMatch(
      /^The sealed answer is \d+ bytes; an answer from this form is never more than/,
    );
  });
});
