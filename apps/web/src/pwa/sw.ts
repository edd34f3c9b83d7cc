/**
 * Rally's service worker: precaches the built app so it opens offline once it has been loaded.
 * Only the app's own files are cached; nothing a person writes ever passes through here (their
 * data lives in IndexedDB and travels over WebSockets, which service workers do not see).
 *
 * `__RALLY_PRECACHE__` is replaced at build time with `{ version, files }` (buildtools/precache.ts).
 */
declare const __RALLY_PRECACHE__: { version: string; files: string[] };

const scope = self as unknown as ServiceWorkerGlobalScope;
const manifest = __RALLY_PRECACHE__;
const CACHE_PREFIX = "rally-app-";
const cacheName = `${CACHE_PREFIX}${manifest.version}`;

scope.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(cacheName);
      // `cache: "reload"` skips the HTTP cache so a new version never precaches stale files.
      await cache.addAll(manifest.files.map((url) => new Request(url, { cache: "reload" })));
      await scope.skipWaiting();
    })(),
  );
});

scope.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== cacheName) await caches.delete(name);
      }
      await scope.clients.claim();
    })(),
  );
});

scope.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== scope.location.origin) return;
  if (request.mode === "navigate") {
    // Every page of the app is index.html (routes live in the URL fragment). Network first, so a
    // fresh deploy shows at once when online; the cached copy when offline.
    event.respondWith(
      fetch(request).catch(
        async () => (await caches.match("/index.html", { cacheName })) ?? Response.error(),
      ),
    );
    return;
  }
  if (!manifest.files.includes(url.pathname)) return;
  event.respondWith((async () => (await caches.match(url.pathname, { cacheName })) ?? fetch(request))());
});
