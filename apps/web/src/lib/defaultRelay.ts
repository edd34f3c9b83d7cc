/**
 * The app's default relay is the node that served it: `rally serve` answers WebSockets on the same
 * host and port as the page. An https page gets wss (browsers refuse ws from https pages).
 */
export function defaultRelay(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}
