/** Benchmark clients: raw WebSockets that send frames and time relay answers. */
import { type ChildProcess, spawn } from "node:child_process";
import WebSocket from "ws";

export interface RunningRelay {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not ended within 30 s; true when it ended on SIGTERM alone. */
  stop(): Promise<boolean>;
}

/** Stops a child process: SIGTERM, and SIGKILL after `graceMs`. Resolves true when SIGTERM was enough. */
export function stopChild(child: ChildProcess, graceMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      child.once("exit", () => resolve(false));
    }, graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
    child.kill("SIGTERM");
  });
}

/** Rejects with `what` when the promise has not settled within `ms`, so a relay that stops answering ends the run. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Starts a relay process and waits for the `ws://` URL it prints. */
export function spawnRelay(args: string[], name: string): Promise<RunningRelay> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ws:\/\/[\d.]+:\d+/.exec(out);
      if (m) {
        child.stdout!.off("data", onData);
        resolve({
          url: m[0],
          child,
          stop: () => stopChild(child),
        });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}): ${out}`)));
  });
}

export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? Number.NaN;
};

/** Sends all events at once over the sockets (round-robin) and resolves when every OK arrived. */
export function ingest(
  sockets: WebSocket[],
  events: { id: string }[],
): Promise<{ ms: number; accepted: number }> {
  return new Promise((resolve) => {
    let pending = events.length;
    let accepted = 0;
    const start = performance.now();
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      if (!text.startsWith('["OK"')) return;
      if (text.includes(",true,")) accepted++;
      if (--pending === 0) {
        for (const ws of sockets) ws.off("message", onMessage);
        resolve({ ms: performance.now() - start, accepted });
      }
    };
    for (const ws of sockets) ws.on("message", onMessage);
    events.forEach((e, i) => {
      sockets[i % sockets.length]!.send(JSON.stringify(["EVENT", e]));
    });
  });
}

/** One REQ to EOSE; resolves to the elapsed milliseconds and how many events came back. */
export function query(ws: WebSocket, subId: string, filter: object): Promise<{ ms: number; count: number }> {
  return new Promise((resolve) => {
    let count = 0;
    const start = performance.now();
    const eventPrefix = `["EVENT",${JSON.stringify(subId)},`;
    const eosePrefix = `["EOSE",${JSON.stringify(subId)}]`;
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.startsWith(eventPrefix)) count++;
      else if (text.startsWith(eosePrefix) || text.startsWith(`["CLOSED",${JSON.stringify(subId)}`)) {
        ws.off("message", onMessage);
        ws.send(JSON.stringify(["CLOSE", subId]));
        resolve({ ms: performance.now() - start, count });
      }
    };
    ws.on("message", onMessage);
    ws.send(JSON.stringify(["REQ", subId, filter]));
  });
}

/** Opens `perConn` live subscriptions to the fan-out room on each connection; resolves at their EOSEs. */
export async function liveSubscriptions(conns: WebSocket[], perConn: number, since: number): Promise<void> {
  await Promise.all(
    conns.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let eose = 0;
          const h = (d: WebSocket.RawData) => {
            if (d.toString().startsWith('["EOSE"') && ++eose === perConn) {
              ws.off("message", h);
              resolve();
            }
          };
          ws.on("message", h);
          for (let k = 0; k < perConn; k++)
            ws.send(JSON.stringify(["REQ", `live${k}`, { kinds: [445], "#h": ["fanout-room"], since }]));
        }),
    ),
  );
}
