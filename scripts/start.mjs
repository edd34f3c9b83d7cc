// `npm start`: runs Rally — the web app and its relay on http://127.0.0.1:7447 (`rally serve`, which
// builds the app first when needed), with the relay's data in ./.rally/relay.
// Extra arguments go to `rally serve` (e.g. `npm start -- --port 8000`). Ctrl-C stops it cleanly.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  process.execPath,
  [
    path.join(root, "apps/cli/bin/rally.js"),
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "7447",
    "--data",
    path.join(root, ".rally/relay"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", cwd: root },
);
// The terminal sends Ctrl-C to the whole process group; forward other stops to the relay.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
