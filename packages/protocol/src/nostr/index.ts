/** The pure Nostr core shared by Rally's relay and client: events, filters, messages and NIPs. */
export * from "./event.ts";
export * from "./filter.ts";
export * from "./kinds.ts";
export * from "./messages.ts";
export * from "./negentropy.ts";
export * from "./nip09.ts";
export * from "./nip19.ts";
export * from "./nip40.ts";
export * from "./nip42.ts";
export * from "./nip70.ts";
export * from "./proofOfWork.ts";
export * from "./result.ts";
export * from "./rumor.ts";
export * from "./sign.ts";
export * from "./time.ts";
export * from "./utf8.ts";
export * from "./verify.ts";
