/**
 * `@rally/protocol/mls/internals`: the engine's parts below its rules, for code that must act as no
 * honest device would — the hostile-member test harness, which builds commits and messages the
 * engine refuses to make, and benchmarks of single steps. Rally's client uses `@rally/protocol/mls`.
 */
export * from "./context.ts";
export * from "./credential.ts";
export * from "./device.ts";
export * from "./groupData.ts";
export * from "./inspect.ts";
export * from "./keyPackage.ts";
export * from "./members.ts";
export * from "./selfTest.ts";
export * from "./state.ts";
