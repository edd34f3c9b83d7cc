/**
 * Devices through the `rally` command: `rally device link` on the existing device, `rally device
 * add LINK --name NAME` on a new home (the link also on standard input), `rally device list` and
 * `rally device revoke ID`. The new device reads the group's history and writes as the person.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { Person, rally, startRally, tempRoot } from "./support.ts";

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

/** Waits (checking every half second, at most `rounds` times) until `ready` holds; its last value. */
async function until<T>(
  ready: () => T | Promise<T>,
  rounds = 120,
  between?: () => Promise<unknown>,
): Promise<NonNullable<T>> {
  for (let i = 0; i < rounds; i++) {
    const value = await ready();
    if (value) return value as NonNullable<T>;
    await (between ? between() : new Promise((r) => setTimeout(r, 500)));
  }
  throw new Error("gave up waiting");
}

const CODE = /the code is ([0-9]{3} [0-9]{3})/;

/**
 * A new person runs `rally device link` on a terminal of its own; once it shows the link, a device
 * with no account (its home: `home`) asks to be linked as `name` and waits.
 */
async function linkAtTerminal(personName: string, name: string) {
  const person = new Person(personName, root);
  await person.createAccount(relay.url);
  const linking = startRally(["device", "link", "--home", person.home], { tty: true });
  const link = (await until(() => /https?:\/\/\S+#device=[A-Za-z0-9_-]+/.exec(linking.output())))[0];
  const home = path.join(root, `${personName.split(" ")[0]?.toLowerCase()}-${name.toLowerCase()}`);
  const asking = startRally(["device", "add", "--name", name, "--home", home, "--json"], { input: link });
  return { person, linking, asking, home };
}

describe("rally device", { timeout: 300_000 }, () => {
  it("links a new device that reads the history and writes as the person; list and revoke", async () => {
    const { link } = await alice.ok<{ link: string }>("device", "link", "--no-wait");
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#device=[A-Za-z0-9_-]+$/);

    // The new device waits, with progress on stderr, while the existing one syncs.
    const adding = startRally(["device", "add", "--name", "Laptop", "--home", laptop.home, "--json"], {
      input: `${link}\n`,
    }).ended;
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

  it("links only the device whose code the person confirms; someone who saw the link gets nothing", async () => {
    const dana = new Person("Dana Dill", root);
    await dana.createAccount(relay.url);
    await dana.ok("group", "create", "Seed Swap");
    await dana.ok("chat", "send", "Seed Swap", "bring envelopes");
    const { link } = await dana.ok<{ link: string }>("device", "link", "--no-wait", "--confirm");

    // Someone who saw the link opens it first, under the same name; then Dana's phone.
    const strangerHome = path.join(root, "dana-stranger");
    const stranger = startRally(["device", "add", "--name", "Phone", "--home", strangerHome], {
      input: `${link}\n`,
    });
    const phoneHome = path.join(root, "dana-phone");
    const phone = startRally(["device", "add", "--name", "Phone", "--home", phoneHome, "--json"], {
      input: link,
    });
    try {
      const phoneCode = (await until(() => CODE.exec(phone.stderr())))[1] as string;
      const strangerCode = (await until(() => CODE.exec(stranger.stderr())))[1] as string;
      expect(phoneCode).not.toBe(strangerCode);
      // Dana's sync says who asked, with each code.
      const asked = await until(
        async () => {
          const r = await dana.run("sync");
          return r.stderr.includes(phoneCode) && r.stderr.includes(strangerCode) ? r.stderr : "";
        },
        30,
        () => new Promise((r) => setTimeout(r, 1000)),
      );
      expect(asked).toMatch(/Code [0-9]{3} [0-9]{3}: a device named "Phone" asks to be linked/);

      const wrong = await dana.fails("device", "confirm", "12345");
      expect(wrong.error).toMatch(/six digits/);
      const other = [phoneCode, strangerCode].includes("000 000") ? "000001" : "000000";
      expect((await dana.fails("device", "confirm", other)).error).toMatch(/No device asked with the code/);
      expect(await dana.ok("device", "confirm", phoneCode.replace(" ", ""))).toEqual({ name: "Phone" });
      const added = await until(
        async () => {
          await dana.ok("sync");
          return Promise.race([phone.ended, new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
        },
        40,
        async () => undefined,
      );
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ name: "Phone" });
      const texts = (await rally(["chat", "list", "Seed Swap", "--home", phoneHome, "--json"])).stdout;
      expect(texts).toContain("bring envelopes");

      // The stranger, still waiting, never gets the account.
      for (let i = 0; i < 3; i++) await dana.ok("sync");
      expect(stranger.stderr()).not.toMatch(/History|adding this one/);
    } finally {
      stranger.stop();
      phone.stop();
    }
    await stranger.ended;
    const strangerAccount = await rally(["account", "show", "--home", strangerHome, "--json"]);
    expect(strangerAccount.code).not.toBe(0);
    expect(JSON.parse(strangerAccount.stdout).error).toMatch(/account/i);
  });

  it("at a terminal, asks for the code the new device shows and links only that device", async () => {
    const { linking, asking: t } = await linkAtTerminal("Eve Elder", "Tablet");
    try {
      const code = (await until(() => CODE.exec(t.stderr())))[1] as string;
      await until(() => linking.output().includes("Type the code"));
      expect(linking.output()).toContain(`Code ${code}: a device named "Tablet" asks to be linked.`);
      // A mistyped code is refused in plain words and asked for again.
      const before = linking.output().split("Type the code").length;
      linking.type(code === "999 999" ? "999 998" : "999 999");
      await until(() => linking.output().split("Type the code").length > before);
      expect(linking.output()).toMatch(/No device asked with the code/);
      linking.type(code);
      const linked = await linking.ended;
      expect(linked.code, linked.stdout).toBe(0);
      expect(linked.stdout).toMatch(/Linked Tablet: added to 0 groups/);
      const added = await t.ended;
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ name: "Tablet" });
    } finally {
      linking.stop();
      t.stop();
    }
  });

  it("at a terminal, Enter refuses: the link closes and nobody is linked", async () => {
    const {
      person: finn,
      linking,
      asking: stranger,
      home: strangerHome,
    } = await linkAtTerminal("Finn Fennel", "Laptop");
    try {
      await until(() => linking.output().includes("Type the code"));
      linking.type("");
      const refused = await linking.ended;
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/Nobody was linked, and the link is closed/);
      for (let i = 0; i < 2; i++) await finn.ok("sync");
      expect(stranger.stderr()).not.toMatch(/History|adding this one/);
    } finally {
      linking.stop();
      stranger.stop();
    }
    expect((await rally(["account", "show", "--home", strangerHome, "--json"])).code).not.toBe(0);
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
    // Without a terminal, a link answers the first device unasked, and says so; --confirm does not.
    const made = await alice.run("device", "link", "--no-wait");
    expect(made.stderr).toMatch(/answers the first device that opens it/);
    const { link } = JSON.parse(made.stdout) as { link: string };
    const asking = await alice.run("device", "link", "--no-wait", "--confirm");
    expect(asking.code).toBe(0);
    expect(asking.stderr).not.toMatch(/answers the first device/);
    // Refusing closes both open links (neither was used), and a second refusal finds none.
    expect(await alice.ok("device", "refuse")).toEqual({ closed: 2 });
    expect(await alice.ok("device", "refuse")).toEqual({ closed: 0 });
    expect((await alice.fails("device", "confirm", "123456")).error).toMatch(/closed|No device/);
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
