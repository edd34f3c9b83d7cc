/**
 * `rally relay backup FILE`: a consistent copy of a running relay's database. Events keep arriving
 * over real WebSockets while the backup runs; the copy must hold every event acknowledged before
 * the backup started, pass SQLite's integrity check when opened with the relay's own store, and
 * serve those events again when a relay is started on it (the restore). The PostgreSQL part dumps
 * with `pg_dump` and restores with `pg_restore` into a fresh database of a private cluster.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findPgDump, SqliteEventStore } from "@rally/relay";
import { afterAll, describe, expect, it } from "vitest";
import { type PostgresHandle, postgresBinDir, startPostgres } from "../helpers/postgres.ts";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner, type Signer } from "./support/nostrSocket.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "apps/cli/bin/rally.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-backup-"));
const RATE = [
  "--events-per-second",
  "1000000",
  "--address-events-per-second",
  "1000000",
  "--max-limit",
  "100000",
];
let cluster: PostgresHandle | undefined;
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await cluster?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function rally(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, RALLY_HOME: tmp },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Publishes events from two connections without pause until `stop()`, recording what the relay
 * acknowledged and what it refused.
 */
async function keepPublishing(url: string, author: Signer) {
  const sockets = await Promise.all([0, 1].map(() => NostrSocket.open(url)));
  const acked = new Set<string>();
  const refused: string[] = [];
  for (const s of sockets)
    s.ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as unknown[];
      if (m[0] !== "OK") return;
      if (m[2] === true) acked.add(m[1] as string);
      else refused.push(String(m[3]));
    });
  let sent = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      // A window of events in flight, so the relay's writer is busy throughout.
      while (sent - acked.size - refused.length < 200 && running) {
        const e = author.sign({ kind: 1, content: `event ${sent}`, tags: [["t", "backup"]] });
        sockets[sent % 2]!.send(["EVENT", e]);
        sent++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    acked,
    refused,
    async stop() {
      running = false;
      await loop;
      while (acked.size + refused.length < sent) await new Promise((r) => setTimeout(r, 5));
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
}

async function storedIds(url: string, author: string): Promise<Set<string>> {
  const s = await NostrSocket.open(url);
  const { events } = await s.req("all", { authors: [author], limit: 100_000 });
  await s.close();
  return new Set(events.map((e) => e.id as string));
}

describe.skipIf(process.env.RALLY_TEST_STORE === "postgres")(
  "rally relay backup on SQLite (the PostgreSQL part below covers RALLY_TEST_STORE=postgres)",
  () => {
    it("copies a running relay consistently, and a relay started on the copy serves it", async () => {
      const relay: RelayHandle = await startRelay({ args: RATE });
      const author = newSigner();
      const file = path.join(tmp, "relay-copy.sqlite");
      let ackedBefore: Set<string>;
      let publisher: Awaited<ReturnType<typeof keepPublishing>>;
      let run: Run;
      try {
        publisher = await keepPublishing(relay.url, author);
        await waitFor(() => publisher.acked.size >= 1500);
        ackedBefore = new Set(publisher.acked);
        run = await rally(["relay", "backup", file, "--data", relay.dataDir, "--json"]);
        const ackedDuring = publisher.acked.size - ackedBefore.size;
        await publisher.stop();
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(publisher.refused).toEqual([]);
        // The relay went on acknowledging events while the backup ran.
        expect(ackedDuring).toBeGreaterThan(0);
      } finally {
        await relay.stop();
      }

      const result = JSON.parse(run.stdout) as { file: string; bytes: number; events: number };
      expect(result.file).toBe(file);
      expect(result.bytes).toBe(fs.statSync(file).size);
      expect(result.events).toBeGreaterThanOrEqual(ackedBefore.size);

      const store = new SqliteEventStore(file);
      try {
        expect(store.db.pragma("integrity_check", { simple: true })).toBe("ok");
        const inCopy = new Set(
          (await store.query({ authors: [author.pubkey] }, { now: Math.floor(Date.now() / 1000) })).map(
            (e): string => e.id,
          ),
        );
        expect(inCopy.size).toBe(result.events);
        expect([...ackedBefore].filter((id) => !inCopy.has(id))).toEqual([]);
      } finally {
        await store.close();
      }

      // The restore: a relay started on a folder holding the copy serves what it holds.
      const restoredDir = fs.mkdtempSync(path.join(tmp, "restored-"));
      fs.copyFileSync(file, path.join(restoredDir, "events.sqlite"));
      const restored = await startRelay({ dataDir: restoredDir, ownData: true, args: RATE });
      try {
        const ids = await storedIds(restored.url, author.pubkey);
        expect(ids.size).toBe(result.events);
        expect([...ackedBefore].filter((id) => !ids.has(id))).toEqual([]);
      } finally {
        await restored.stop();
      }
    });

    it("refuses to overwrite without --force, and says plainly what is wrong", async () => {
      const relay = await startRelay();
      try {
        const file = path.join(tmp, "twice.sqlite");
        expect((await rally(["relay", "backup", file, "--data", relay.dataDir])).code).toBe(0);
        const before = fs.readFileSync(file);
        const again = await rally(["relay", "backup", file, "--data", relay.dataDir]);
        expect(again.code).not.toBe(0);
        expect(again.stderr).toContain("already exists");
        expect(again.stderr).toContain("--force");
        expect(fs.readFileSync(file).equals(before)).toBe(true);
        const forced = await rally(["relay", "backup", file, "--data", relay.dataDir, "--force", "--json"]);
        expect(forced.code).toBe(0);
        expect((JSON.parse(forced.stdout) as { events: number }).events).toBe(0);

        const nowhere = await rally([
          "relay",
          "backup",
          path.join(tmp, "no-such-folder", "x.sqlite"),
          "--data",
          relay.dataDir,
        ]);
        expect(nowhere.code).not.toBe(0);
        expect(nowhere.stderr).toContain("cannot write the backup in");

        const ownDb = await rally([
          "relay",
          "backup",
          path.join(relay.dataDir, "events.sqlite"),
          "--data",
          relay.dataDir,
          "--force",
        ]);
        expect(ownDb.code).not.toBe(0);
        expect(ownDb.stderr).toContain("the relay's own database");
      } finally {
        await relay.stop();
      }
      const missing = await rally([
        "relay",
        "backup",
        path.join(tmp, "y.sqlite"),
        "--data",
        path.join(tmp, "nope"),
      ]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("does not exist");
      const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
      const noDb = await rally(["relay", "backup", path.join(tmp, "z.sqlite"), "--data", empty]);
      expect(noDb.code).not.toBe(0);
      expect(noDb.stderr).toContain("holds no relay database");
      // Nothing half-written is left behind by the failures.
      expect(fs.readdirSync(tmp).filter((f) => f.includes(".partial-"))).toEqual([]);
    });
  },
);

const pgDump = findPgDump();
const pgBin = postgresBinDir();
const pgMissing = !pgDump ? "pg_dump is not installed" : !pgBin ? "PostgreSQL is not installed" : undefined;

describe.skipIf(pgMissing !== undefined)(
  `rally relay backup on PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ""}`,
  () => {
    it("dumps a running relay's database with pg_dump; pg_restore brings every acknowledged event back", async () => {
      cluster ??= await startPostgres();
      const db = await cluster.createDatabase();
      const relay = await startRelay({ args: [...RATE, "--db", db] });
      const author = newSigner();
      const file = path.join(tmp, "relay.dump");
      let ackedBefore: Set<string>;
      let run: Run;
      try {
        const publisher = await keepPublishing(relay.url, author);
        await waitFor(() => publisher.acked.size >= 1000);
        ackedBefore = new Set(publisher.acked);
        run = await rally(["relay", "backup", file, "--db", db, "--json"]);
        await publisher.stop();
        expect(run.stderr).toBe("");
        expect(run.code).toBe(0);
        expect(publisher.refused).toEqual([]);
      } finally {
        await relay.stop();
      }
      const result = JSON.parse(run.stdout) as { file: string; bytes: number; events: number };
      expect(result.file).toBe(file);
      expect(result.bytes).toBe(fs.statSync(file).size);
      expect(result.events).toBeGreaterThanOrEqual(ackedBefore.size);

      const again = await rally(["relay", "backup", file, "--db", db]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain("already exists");

      const restoredDb = await cluster.createDatabase();
      const restore = await new Promise<Run>((resolve, reject) => {
        const child = spawn(path.join(path.dirname(pgDump!), "pg_restore"), [
          "--no-owner",
          `--dbname=${restoredDb}`,
          file,
        ]);
        let stderr = "";
        child.stderr.on("data", (d) => {
          stderr += d;
        });
        child.once("error", reject);
        child.once("exit", (code) => resolve({ code, stdout: "", stderr }));
      });
      expect(restore.stderr).toBe("");
      expect(restore.code).toBe(0);
      const restored = await startRelay({ args: [...RATE, "--db", restoredDb] });
      try {
        const ids = await storedIds(restored.url, author.pubkey);
        // The count reported is the dump's own snapshot's.
        expect(ids.size).toBe(result.events);
        expect([...ackedBefore].filter((id) => !ids.has(id))).toEqual([]);
      } finally {
        await restored.stop();
      }
    });
  },
);
