/**
 * Honest delivery through the `rally` command, against a real relay that refuses for good: started
 * with a smaller largest event (`rally relay --max-event-bytes`), it answers `OK false "invalid:
 * event too large …"` to a long message. The command that sent it exits non-zero with
 * "rally: not sent: every relay refused it: <the relay's reason>" and never says "Sent."; the
 * author's `chat list` marks it as not sent, with the way to send it again; `rally sync` fails the
 * same way for something queued while the relay was down and refused once it came back. Restarted
 * without the limit (same data, same port), `rally chat retry` delivers it and the other member
 * reads it.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

interface Line {
  type: string;
  id: string;
  text: string;
  state?: string;
}

const GROUP = "Minutes Club";
/** Above what setting up a group sends (under 5 kB), below a long message (over 20 kB sealed). */
const MAX_EVENT_BYTES = "10000";
const LONG_A = `Minutes, part one: ${"a".repeat(6_000)}`;
const LONG_B = `Minutes, part two: ${"b".repeat(6_000)}`;
const LONG_C = `Minutes, part three: ${"c".repeat(6_000)}`;

let relay: RelayHandle;
let port = 0;
let dataDir = "";
let root: string;
let ana: Person;
let ben: Person;

/** Stops the relay and starts it again on the same port and data, with or without the limit. */
async function restartRelay(limited: boolean): Promise<void> {
  await relay.stop();
  relay = await startRelay({
    dataDir,
    port,
    keepData: true,
    args: limited ? ["--max-event-bytes", MAX_EVENT_BYTES] : [],
  });
}

/** A person's command without `--json`: what people read. */
function human(p: Person, ...args: string[]) {
  return rally([...args, "--home", p.home]);
}

const refusal = () =>
  new RegExp(
    `^rally: not sent: every relay refused it: ${relay.url.replace(/\/$/, "")} said: event too large \\(\\d+ bytes; limit ${MAX_EVENT_BYTES}\\)\\.`,
    "m",
  );

beforeAll(async () => {
  root = tempRoot("rally-cli-refused-");
  relay = await startRelay({ args: ["--max-event-bytes", MAX_EVENT_BYTES], keepData: true });
  port = Number(new URL(relay.url).port);
  dataDir = relay.dataDir;
  ana = new Person("Ana Archer", root);
  ben = new Person("Ben Bowman", root);
  for (const p of [ana, ben]) await p.createAccount(relay.url);
  await ana.ok("group", "create", GROUP, "--relay", relay.url);
  await ana.ok("group", "invite", GROUP, ben.npub);
  await ben.ok("sync");
  const [invite] = await ben.ok<{ id: string }[]>("invites");
  await ben.ok("invites", "accept", invite!.id);
}, 300_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("what every relay refused is never reported as sent", { timeout: 300_000 }, () => {
  it("chat send exits non-zero with the relay's reason, and never says Sent.", async () => {
    const fine = await human(ana, "chat", "send", GROUP, "short and fine");
    expect(fine.code).toBe(0);
    expect(fine.stdout).toMatch(/^Sent\.$/m);

    const refused = await human(ana, "chat", "send", GROUP, LONG_A);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(refusal());
    expect(refused.stderr).toContain(`send it again with rally chat retry "${GROUP}"`);
    expect(refused.stdout).not.toMatch(/Sent/);

    const json = await ana.fails("chat", "send", GROUP, LONG_B);
    expect(json.code).toBe(1);
    expect(json.error).toMatch(/^not sent: every relay refused it: .* said: event too large/);
    expect(json.stderr).toMatch(refusal());
  });

  it("other commands that send fail the same way (an event with a long description)", async () => {
    const r = await human(
      ana,
      "event",
      "create",
      GROUP,
      "--title",
      "Reading",
      "--start",
      "2030-05-01T18:00",
      "--description",
      "d".repeat(6_000),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(refusal());
    expect(r.stdout).not.toMatch(/Event created/);
  });

  it("chat list marks them as not sent, with the way to send them again; --json adds the state", async () => {
    const lines = (await human(ana, "chat", "list", GROUP, "--offline")).stdout.split("\n");
    const marker = `(not sent — rally chat retry "${GROUP}")`;
    expect(lines.find((l) => l.includes("short and fine"))).not.toContain("not sent");
    expect(lines.find((l) => l.includes("Minutes, part one"))?.endsWith(marker)).toBe(true);
    expect(lines.find((l) => l.includes("Minutes, part two"))?.endsWith(marker)).toBe(true);

    const list = await ana.ok<Line[]>("chat", "list", GROUP, "--offline");
    const byText = (t: string) => list.find((m) => m.type === "message" && m.text === t);
    expect(byText("short and fine")?.state).toBe("sent");
    expect(byText(LONG_A)).toMatchObject({ state: "failed", type: "message" });
    expect(byText(LONG_B)?.state).toBe("failed");
  });

  it("chat retry while the relay still refuses: non-zero again, still not sent", async () => {
    const r = await human(ana, "chat", "retry", GROUP);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(refusal());
    const list = await ana.ok<Line[]>("chat", "list", GROUP, "--offline");
    expect(list.filter((m) => m.state === "failed").map((m) => m.text)).toEqual([LONG_A, LONG_B]);
  });

  it("sync says not sent for what was queued while the relay was down and refused once it is back", async () => {
    await relay.stop();
    const saved = await human(ana, "chat", "send", GROUP, LONG_C);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toMatch(/Saved; it will be sent when a relay is reachable/);
    expect(saved.stderr).toMatch(/not delivered yet/);
    const waiting = (await human(ana, "chat", "list", GROUP, "--offline")).stdout;
    expect(waiting.split("\n").find((l) => l.includes("Minutes, part three"))).toMatch(
      /\(waiting to send\)$/,
    );

    relay = await startRelay({ dataDir, port, keepData: true, args: ["--max-event-bytes", MAX_EVENT_BYTES] });
    const sync = await human(ana, "sync");
    expect(sync.code).toBe(1);
    expect(sync.stdout).toMatch(/^Received \d+ new item\(s\), sent 0\./m);
    expect(sync.stderr).toMatch(refusal());
    expect(sync.stderr).toMatch(/rally chat retry GROUP/);
    const list = await ana.ok<Line[]>("chat", "list", GROUP, "--offline");
    expect(list.find((m) => m.text === LONG_C)?.state).toBe("failed");
  });

  it("once the relay takes them, chat retry sends them: by message, then the rest", async () => {
    await restartRelay(false);
    const list = await ana.ok<Line[]>("chat", "list", GROUP, "--offline");
    const a = list.find((m) => m.text === LONG_A);
    const one = await human(ana, "chat", "retry", GROUP, a!.id);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Sent again: a relay took it\.$/m);

    const rest = await ana.ok<{ retried: number; state: string }>("chat", "retry", GROUP);
    // LONG_B, LONG_C and the event.
    expect(rest).toMatchObject({ retried: 3, state: "sent" });
    const none = await ana.ok<{ retried: number }>("chat", "retry", GROUP);
    expect(none.retried).toBe(0);

    const after = await ana.ok<Line[]>("chat", "list", GROUP, "--offline");
    expect(after.filter((m) => m.type === "message" && m.state !== "sent")).toEqual([]);
    const seen = await ben.ok<Line[]>("chat", "list", GROUP);
    const texts = seen.map((m) => m.text);
    for (const t of ["short and fine", LONG_A, LONG_B, LONG_C]) expect(texts).toContain(t);
    const events = await ben.ok<{ title: string }[]>("event", "list", GROUP, "--offline");
    expect(events.map((e) => e.title)).toContain("Reading");
  });
});
