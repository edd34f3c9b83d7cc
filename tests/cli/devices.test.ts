/**
 * Devices through the `rally` command: `rally device link` on the existing device, `rally device
 * add LINK --name NAME` on a new home (the link also on standard input), `rally device list` and
 * `rally device revoke ID`. The new device reads the group's history and writes as the person.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, tempRoot } from "./support.ts";

const rallyBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../apps/cli/bin/rally.js");
const GROUP = "Allotment Rota";
let relay: RelayHandle;
let root: string;
let alice: Person;
let bob: Person;
let laptop: Person;

interface Device {
  id: string;
  name: string;
  current: boolean;
}

beforeAll(async () => {
  root = tempRoot("rally-cli-devices-");
  relay = await startRelay();
  alice = new Person("Alice Allium", root);
  bob = new Person("Bob Borage", root);
  laptop = new Person("Laptop of Alice", root);
  for (const p of [alice, bob]) await p.createAccount(relay.url);
  await alice.ok("group", "create", GROUP);
  await alice.ok("group", "invite", GROUP, bob.npub);
  const [inv] = await bob.ok<{ id: string }[]>("invites");
  await bob.ok("invites", "accept", inv?.id as string);
  await alice.ok("chat", "send", GROUP, "plot 7 needs watering on Thursday");
}, 600_000);

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs `rally ARGS` in the background; resolves with its output when it ends. */
function background(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [rallyBin, ...args], {
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("rally device", { timeout: 300_000 }, () => {
  it("links a new device that reads the history and writes as the person; list and revoke", async () => {
    const { link } = await alice.ok<{ link: string }>("device", "link", "--no-wait");
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#device=[A-Za-z0-9_-]+$/);

    // The new device waits, with progress on stderr, while the existing one syncs.
    const adding = background(
      ["device", "add", "--name", "Laptop", "--home", laptop.home, "--json"],
      `${link}\n`,
    );
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      await alice.ok("sync");
      if (fs.existsSync(path.join(laptop.home, "rally.db")) && i > 2) {
        const state = await Promise.race([
          adding.then(() => "done"),
          new Promise((r) => setTimeout(() => r("running"), 10)),
        ]);
        if (state === "done") break;
      }
    }
    const added = await adding;
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), name: "Laptop" });
    expect(added.stderr).toMatch(/Waiting for your other device|History/);

    const texts = (await laptop.ok<{ text: string }[]>("chat", "list", GROUP)).map((m) => m.text);
    expect(texts).toContain("plot 7 needs watering on Thursday");
    await laptop.ok("chat", "send", GROUP, "watered, from the laptop");
    const bobSees = (await bob.ok<{ text: string; authorName: string }[]>("chat", "list", GROUP)).map(
      (m) => m.text,
    );
    expect(bobSees).toContain("watered, from the laptop");

    const devices = await alice.ok<Device[]>("device", "list");
    expect(devices).toHaveLength(2);
    expect(devices.find((d) => d.current)?.name).toBe("First device");
    const other = devices.find((d) => !d.current) as Device;
    expect(other.name).toBe("Laptop");

    const revoked = await alice.ok<{ revoked: string; groups: number }>("device", "revoke", other.id);
    expect(revoked).toEqual({ revoked: other.id, groups: 1 });
    await bob.ok("chat", "send", GROUP, "after the laptop was revoked");
    const laptopSees = (await laptop.ok<{ text: string }[]>("chat", "list", GROUP)).map((m) => m.text);
    expect(laptopSees).not.toContain("after the laptop was revoked");
  });

  it("refuses bad links and names in plain words", async () => {
    const fresh = path.join(root, "fresh");
    const damaged = await rally([
      "device",
      "add",
      "http://127.0.0.1:1/#device=%%%",
      "--name",
      "X",
      "--home",
      fresh,
      "--json",
    ]);
    expect(damaged.code).toBe(1);
    expect(JSON.parse(damaged.stdout).error).toMatch(/damaged/);
    const invite = await rally([
      "device",
      "add",
      "http://127.0.0.1:1/#join=abc",
      "--name",
      "X",
      "--home",
      fresh,
      "--json",
    ]);
    expect(JSON.parse(invite.stdout).error).toMatch(/invite link to a group/);
    const { link } = await alice.ok<{ link: string }>("device", "link", "--no-wait");
    const noName = await rally(["device", "add", link, "--name", "   ", "--home", fresh, "--json"]);
    expect(JSON.parse(noName.stdout).error).toMatch(/name/);
    const hasAccount = await bob.run("device", "add", link, "--name", "Phone");
    expect(JSON.parse(hasAccount.stdout).error).toMatch(/already has an account/);
    const badExpiry = await alice.run("device", "link", "--expires", "5s", "--no-wait");
    expect(JSON.parse(badExpiry.stdout).error).toMatch(/1 minute to 24 hours/);
    const unknown = await alice.run("device", "revoke", "ffff0000");
    expect(JSON.parse(unknown.stdout).error).toMatch(/No device/);
  });
});
