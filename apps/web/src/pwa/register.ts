/** Registers the service worker in built copies of the app (the dev server serves sources live). */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error: unknown) => {
      // The app works without it; it only will not open offline.
      console.warn("Rally could not enable offline use:", error);
    });
  });
}
