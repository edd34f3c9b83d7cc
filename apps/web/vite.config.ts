/**
 * Vite build of Rally's web app: the React page (`index.html`), the engine's Web Worker (bundled
 * by Vite from `new Worker(new URL(...))`), and the service worker `sw.js` at the site root (its
 * scope must be `/`), whose precache list is filled in after the build.
 */

import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { precachePlugin, SERVICE_WORKER_FILE } from "./buildtools/precache.ts";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  plugins: [react(), precachePlugin()],
  worker: { format: "es" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        sw: fileURLToPath(new URL("./src/pwa/sw.ts", import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? SERVICE_WORKER_FILE : "assets/[name]-[hash].js"),
      },
    },
  },
});
