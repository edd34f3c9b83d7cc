// The page ↔ worker RPC over a real MessageChannel (structured clone, asynchronous delivery).
import { RallyError } from "@rally/client";
import { afterEach, describe, expect, it } from "vitest";
import { expose, push } from "../src/rpc/expose.ts";
import { remote } from "../src/rpc/remote.ts";
import type { Endpoint } from "../src/rpc/wire.ts";

class Counter {
  private count = 0;
  add(n: number): number {
    this.count += n;
    return this.count;
  }
  async slowEcho<T>(value: T, ms: number): Promise<T> {
    await new Promise((r) => setTimeout(r, ms));
    return value;
  }
  refuse(): never {
    throw new RallyError("That group does not exist.", "unknown-group");
  }
  crash(): never {
    throw new TypeError("boom");
  }
  _secret(): string {
    return "internal";
  }
  notAMethod = 42;
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function pair(): { server: Endpoint; client: Endpoint } {
  const channel = new MessageChannel();
  channels.push(channel);
  channel.port1.start();
  channel.port2.start();
  return { server: channel.port1 as unknown as Endpoint, client: channel.port2 as unknown as Endpoint };
}

describe("rpc", () => {
  it("calls methods by name, keeps `this`, and returns cloned values", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const api = remote<Counter>(client).api;
    expect(await api.add(2)).toBe(2);
    expect(await api.add(3)).toBe(5);
    const value = { nested: [1, 2, { at: new Date(0) }] };
    const echoed = await api.slowEcho(value, 1);
    expect(echoed).toEqual(value);
    expect(echoed).not.toBe(value);
  });

  it("matches answers to calls when they finish out of order", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const api = remote<Counter>(client).api;
    const results = await Promise.all([api.slowEcho("a", 30), api.slowEcho("b", 1), api.slowEcho("c", 10)]);
    expect(results).toEqual(["a", "b", "c"]);
  });

  it("waits for a target that is still loading", async () => {
    const { server, client } = pair();
    expose(new Promise<Counter>((r) => setTimeout(() => r(new Counter()), 20)), server);
    expect(await remote<Counter>(client).api.add(7)).toBe(7);
  });

  it("rejects every call when the target failed to load", async () => {
    const { server, client } = pair();
    const failed = Promise.reject(new RallyError("Storage is not available.", "no-storage"));
    expose(failed, server);
    const error = await remote<Counter>(client)
      .api.add(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RallyError);
    expect((error as RallyError).code).toBe("no-storage");
  });

  it("carries RallyError's class, message and code across", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const error = await remote<Counter>(client)
      .api.refuse()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RallyError);
    expect((error as RallyError).message).toBe("That group does not exist.");
    expect((error as RallyError).code).toBe("unknown-group");
  });

  it("carries other errors as plain errors with their name", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const error = await remote<Counter>(client)
      .api.crash()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("TypeError");
    expect((error as Error).message).toBe("boom");
  });

  it("refuses unknown names, non-functions and underscore methods", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const api = remote<Record<string, () => unknown>>(client).api;
    for (const name of ["nothing", "notAMethod", "_secret", "constructor"]) {
      const error = await api[name]!().catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(Error);
      expect((error as Error).message).toContain("is not something Rally can do");
    }
  });

  it("rejects at once when an argument cannot be cloned", async () => {
    const { server, client } = pair();
    expose(new Counter(), server);
    const api = remote<Counter>(client).api;
    await expect(api.slowEcho(() => 1, 1)).rejects.toThrow();
    expect(await api.add(1)).toBe(1);
  });

  it("is not a thenable, so it can be returned from async functions", async () => {
    const { client } = pair();
    const api = remote<Counter>(client).api;
    const returned = await (async () => api)();
    expect(returned).toBe(api);
  });

  it("delivers pushes by topic and stops after unsubscribe", async () => {
    const { server, client } = pair();
    const handle = remote<Counter>(client);
    const seen: unknown[] = [];
    const off = handle.onPush("change", (data) => seen.push(data));
    push(server, "change", { kind: "chat" });
    push(server, "other", 1);
    await new Promise((r) => setTimeout(r, 20));
    off();
    push(server, "change", { kind: "events" });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([{ kind: "chat" }]);
  });

  it("close() rejects calls still waiting", async () => {
    const { client } = pair();
    const handle = remote<Counter>(client);
    const pending = handle.api.add(1);
    handle.close("worker stopped");
    await expect(pending).rejects.toThrow("worker stopped");
  });
});
