/**
 * The boundaries of Rally's house, checked by `npm test` (scripts/test.mjs):
 *   node_modules/.bin/depcruise packages apps tests bench --config .dependency-cruiser.cjs
 * docs/ARCHITECTURE.md draws the house these rules hold. Each rule's `comment` is what a person
 * reads when an import breaks it, so it says what to do instead.
 *
 * Decisions written down here:
 * - Type-only imports count like any other (a cycle of types is still a cycle).
 * - Packages reach each other by package name through their `exports` (`@rally/protocol/nostr`,
 *   `@rally/client/node`, …), never by a relative path into another package's folder. Root-level
 *   tools (tests/, bench/) are white-box: they may import a package's src by path.
 *   Package tests (packages/<p>/test) use package names too; `@rally/protocol/mls/internals` is
 *   the door for acting below the MLS engine's rules.
 * - Every workspace and third-party import is declared in the nearest package.json; a package's
 *   tests may also use the root's devDependencies (vitest, fast-check, …), which serve every
 *   workspace; the root's tests/ and bench/ may use any installed package.
 * - The CLI gets everything from `@rally/client` (and `@rally/relay` for `rally relay`): the
 *   client's contract (api.ts) is what a front end uses, so the CLI imports no `@rally/protocol`.
 */
const { readFileSync } = require("node:fs");

// dependency-cruiser reads TypeScript with TypeScript 5's compiler API or with swc. Rally's
// TypeScript is 7, which has no JS compiler API, so swc reads it; dependency-cruiser asks swc for
// TypeScript without JSX, so .tsx files are read with swc's `tsx` syntax here.
const swc = require("@swc/core");
const parseFileSync = swc.parseFileSync;
swc.parseFileSync = (file, options) =>
  parseFileSync(file, String(file).endsWith(".tsx") ? { ...options, tsx: true } : options);

const WORKSPACES = {
  "@rally/protocol": "packages/protocol",
  "@rally/relay": "packages/relay",
  "@rally/client": "packages/client",
  "@rally/cli": "apps/cli",
  "@rally/web": "apps/web",
};

const manifest = (dir) => JSON.parse(readFileSync(`${__dirname}/${dir}/package.json`, "utf8"));
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Root-level tools: white-box over the whole tree (they may use any installed package). */
const ROOT_TOOLS = "^(tests|bench)/";
/** A package's own tests and build tooling: they may use the root's devDependencies too. */
const PKG_TOOLS = "^(packages|apps)/[^/]+/(test/|.+\\.test\\.tsx?$|vite\\.config\\.ts$|buildtools/|scripts/)";
const TEST_FILE = `${ROOT_TOOLS}|${PKG_TOOLS}`;
const SRC = (dir) => `^${escapeRe(dir)}/src/`;

/**
 * A workspace may import another workspace only when its package.json declares it: one rule per
 * workspace, built from the package.json files (so declaring the dependency is the fix).
 */
const undeclaredWorkspaces = Object.entries(WORKSPACES).map(([name, dir]) => {
  const m = manifest(dir);
  const declared = Object.keys({ ...m.dependencies, ...m.devDependencies })
    .filter((d) => d in WORKSPACES)
    .map((d) => escapeRe(WORKSPACES[d]));
  const allowed = [escapeRe(dir), ...declared].join("|");
  return {
    name: "workspace-not-declared",
    severity: "error",
    comment: `${name} imports a workspace package its package.json (${dir}/package.json) does not declare: add it to "dependencies" (e.g. "@rally/protocol": "^0.1.0").`,
    from: { path: `^${escapeRe(dir)}/` },
    to: { path: "^(packages|apps)/[^/]+/", pathNot: `^(${allowed})/` },
  };
});

/** Third-party packages the root declares for development; every workspace's tests may use them. */
const rootDevTools = Object.keys(manifest(".").devDependencies ?? {});

/** The client's floors, from the ground up: a file may import its own floor and those below. */
const CLIENT = "^packages/client/src/";
const clientUpward = (name, from, above, why) => ({
  name,
  severity: "error",
  comment: `${why} (client floors, ground up: store/ net/ errors hex deviceLock api → device.ts → account/ → group/ → sync/ → rallyClient.ts → index.ts, platform/).`,
  from: { path: `${CLIENT}${from}` },
  to: { path: `${CLIENT}(${above})` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "This import closes a cycle (type-only imports count too). Move the shared piece (often a type) into its own file that both sides import.",
      from: {},
      to: { circular: true },
    },

    // ── Protocol: pure, the ground floor ─────────────────────────────────────────────────────
    {
      name: "protocol-is-pure",
      severity: "error",
      comment:
        "packages/protocol/src runs anywhere (Node, browsers, workers): no node:* module, no WebSocket, SQLite or IndexedDB library, no other Rally package. Pass the capability in as a parameter instead.",
      from: { path: SRC("packages/protocol") },
      to: {
        path: "^(packages/(relay|client)|apps)/|(^|/)node_modules/(ws|better-sqlite3|idb|react|react-dom)/",
      },
    },
    {
      name: "protocol-no-node-builtins",
      severity: "error",
      comment:
        "packages/protocol/src runs in browsers too: no node:* module (crypto comes from globalThis.crypto, bytes from TextEncoder).",
      from: { path: SRC("packages/protocol") },
      to: { dependencyTypes: ["core"] },
    },

    // ── Relay and client: siblings over protocol ─────────────────────────────────────────────
    {
      name: "relay-not-client",
      severity: "error",
      comment: "The relay knows nothing of clients or apps: it stores and serves Nostr events.",
      from: { path: "^packages/relay/" },
      to: { path: "^(packages/client|apps)/" },
    },
    {
      name: "relay-uses-nostr-only",
      severity: "error",
      comment:
        "The relay speaks NIP-01 only: it imports @rally/protocol/nostr, never MLS, wire formats or the app layer.",
      from: { path: "^packages/relay/src/" },
      to: { path: "^packages/protocol/src/", pathNot: "^packages/protocol/src/nostr/" },
    },
    {
      name: "client-not-relay",
      severity: "error",
      comment:
        "The client talks to relays over WebSockets, never by importing the relay package (tests start a real relay process through tests/helpers/relay.ts).",
      from: { path: "^packages/client/" },
      to: { path: "^(packages/relay|apps)/" },
    },

    // ── Apps: front ends over the client's contract ──────────────────────────────────────────
    {
      name: "web-only-client",
      severity: "error",
      comment:
        "The web app imports only @rally/client (and @rally/client/browser for its worker): helpers it needs from protocol are passed on by the client.",
      from: { path: "^apps/web/" },
      to: { path: "^(packages/(protocol|relay)|apps/cli)/" },
    },
    {
      name: "web-not-node-platform",
      severity: "error",
      comment: "The web app runs in browsers: it takes @rally/client/browser, never the Node platform.",
      from: { path: "^apps/web/src/" },
      to: { path: `${CLIENT}platform/node` },
    },
    {
      name: "cli-through-client",
      severity: "error",
      comment:
        "The CLI uses the client's contract (@rally/client, @rally/client/node) and @rally/relay for `rally relay`; protocol's pieces it needs are passed on by @rally/client.",
      from: { path: "^apps/cli/" },
      to: { path: "^(packages/protocol|apps/web)/" },
    },
    {
      name: "cli-not-browser-platform",
      severity: "error",
      comment: "The CLI runs on Node: it takes @rally/client/node, never the browser platform.",
      from: { path: "^apps/cli/" },
      to: { path: `${CLIENT}platform/browser` },
    },

    // ── Packages by name, never by path ──────────────────────────────────────────────────────
    {
      name: "no-relative-import-into-another-package",
      severity: "error",
      comment:
        "Import another package by its name and exports (@rally/protocol/mls, @rally/client/node, …), not by a relative path into its folder. Only the root's tests/ and bench/ may reach into src by path, and two client tests named here.",
      from: {
        path: "^(packages|apps)/([^/]+)/",
        // Two client tests work below protocol's public surface on purpose: the hostile-member
        // harness drives the engine's own ts-mls copy to build commits an honest device never
        // makes, and the Node crypto backend runs protocol's backend conformance kit.
        pathNot: "^packages/client/test/(hostile/harness|platform/nodeCrypto\\.test)\\.ts$",
      },
      to: { dependencyTypes: ["local"], path: "^(packages|apps)/", pathNot: "^$1/$2/" },
    },
    {
      name: "src-not-tests",
      severity: "error",
      comment: "Source never imports test code or test helpers.",
      from: { path: "^(packages|apps)/[^/]+/src/", pathNot: TEST_FILE },
      to: { path: `^tests/|^(packages|apps)/[^/]+/test/|\\.test\\.tsx?$` },
    },

    // ── Declared dependencies ────────────────────────────────────────────────────────────────
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "This import resolves to nothing: a typo, a missing package, or a path the package's exports do not offer (deep imports such as @rally/client/api.ts are closed; use the package's named exports).",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      severity: "error",
      comment:
        "This package is not declared in the nearest package.json: add it to that package's dependencies (it works today only because npm hoists it).",
      from: { pathNot: TEST_FILE },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "tests-use-declared-tools",
      severity: "error",
      comment:
        "Tests may use their package's dependencies and the root's devDependencies; declare anything else where it is used.",
      from: { path: PKG_TOOLS },
      to: {
        dependencyTypes: ["npm-no-pkg", "npm-unknown"],
        pathNot: `(^|/)node_modules/(${rootDevTools.map(escapeRe).join("|")})/`,
      },
    },
    {
      name: "src-not-to-dev-dep",
      severity: "error",
      comment:
        "Source that runs for people imports only runtime dependencies: move this package from devDependencies to dependencies.",
      from: { path: "^(packages|apps)/[^/]+/src/", pathNot: TEST_FILE },
      to: { dependencyTypes: ["npm-dev"] },
    },
    ...undeclaredWorkspaces,

    // ── Client: platform code in its folders ─────────────────────────────────────────────────
    {
      name: "client-node-only-in-platform-node",
      severity: "error",
      comment:
        "In packages/client, Node-only imports (node:*, ws, better-sqlite3) live under src/platform/node*; everything else runs in browsers too. Take the capability from the device kernel or a parameter.",
      from: { path: CLIENT, pathNot: `${CLIENT}platform/node` },
      to: {
        path: "(^|/)node_modules/(ws|better-sqlite3)/|^node:|^(fs|path|os|net|http|crypto|url|child_process)$",
      },
    },
    {
      name: "client-node-builtins-only-in-platform-node",
      severity: "error",
      comment:
        "In packages/client, node:* modules are imported only under src/platform/node*; everything else runs in browsers too.",
      from: { path: CLIENT, pathNot: `${CLIENT}platform/node` },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "client-browser-only-in-platform-browser",
      severity: "error",
      comment:
        "In packages/client, browser storage (idb / IndexedDB) is imported only under src/platform/browser*; everything else runs on Node too.",
      from: { path: CLIENT, pathNot: `${CLIENT}platform/browser` },
      to: { path: "(^|/)node_modules/idb/" },
    },
    {
      name: "client-platforms-apart",
      severity: "error",
      comment:
        "The Node and browser platforms never import each other: what both need lives below platform/.",
      from: { path: `${CLIENT}platform/(node|browser)` },
      to: { path: `${CLIENT}platform/`, pathNot: `${CLIENT}platform/$1` },
    },
    {
      name: "client-platform-only-from-entry-points",
      severity: "error",
      comment:
        "Only the platform entry points (@rally/client/node, @rally/client/browser) reach platform/: the rest of the client (index.ts included) runs on both.",
      from: { path: CLIENT, pathNot: `${CLIENT}platform/` },
      to: { path: `${CLIENT}platform/` },
    },

    // ── Client: no upward arrows ─────────────────────────────────────────────────────────────
    clientUpward(
      "client-store-is-ground",
      "store/",
      "(?!store/)",
      "store/ is the ground floor of the client: it imports only store/",
    ),
    clientUpward(
      "client-net-below-device",
      "net/",
      "device\\.ts|account/|group/|sync/|rallyClient\\.ts|index\\.ts|api\\.ts",
      "net/ sits below the device kernel: it imports store/ and net/ only",
    ),
    clientUpward(
      "client-basics-below-device",
      "(errors|hex|deviceLock|api)\\.ts",
      "device\\.ts|account/|group/|sync/|rallyClient\\.ts|index\\.ts",
      "errors.ts, hex.ts, deviceLock.ts and the api.ts contract sit below the device kernel",
    ),
    clientUpward(
      "client-device-below-services",
      "device\\.ts",
      "account/(?!accountRecord\\.ts)|group/|sync/|rallyClient\\.ts|index\\.ts",
      "device.ts (the kernel) sits below account/, group/ and sync/",
    ),
    clientUpward(
      "client-account-below-group",
      "account/",
      "group/|sync/|rallyClient\\.ts|index\\.ts",
      "account/ sits below group/ and sync/",
    ),
    clientUpward(
      "client-group-below-sync",
      "group/",
      "sync/|rallyClient\\.ts|index\\.ts",
      "group/ sits below sync/ and the facade",
    ),
    clientUpward(
      "client-sync-below-facade",
      "sync/",
      "rallyClient\\.ts|index\\.ts",
      "sync/ sits below the Rally facade",
    ),
  ],
  options: {
    parser: "swc",
    tsConfig: { fileName: "tsconfig.base.json" },
    doNotFollow: { path: "(^|/)node_modules/" },
    // Builds are generated (apps/web/dist by Vite, apps/cli/dist by scripts/build-cli.mjs at install).
    exclude: { path: "^apps/(web|cli)/dist/|(^|/)(coverage|test-results)/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "default"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
