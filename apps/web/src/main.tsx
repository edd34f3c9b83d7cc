/**
 * Rally's web app entry: starts the engine worker, renders the app, and registers the service
 * worker that keeps the app available offline.
 */
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { ClientProvider } from "./app/client.tsx";
import { startEngine } from "./app/startEngine.ts";
import { registerServiceWorker } from "./pwa/register.ts";
import "./styles/app.css";

const engine = startEngine();

function Root() {
  const [fatal, setFatal] = useState<string | null>(null);
  useEffect(() => {
    void engine.failed.then(setFatal);
  }, []);
  return (
    <ClientProvider client={engine.client}>
      <App fatal={fatal} />
    </ClientProvider>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
registerServiceWorker();
