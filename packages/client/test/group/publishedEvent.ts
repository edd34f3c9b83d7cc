/**
 * The stage of tests about answers from the public: Alice's group "Allotment" with a public face
 * and one event, "Seed swap", published and delivered to the relay.
 */
import type { Rally } from "../../src/rallyClient.ts";

export async function allotmentSeedSwap(alice: Rally) {
  const g = await alice.createGroup({ name: "Allotment" });
  const face = await alice.setPublicFace(g.id, { name: "Allotment" });
  const event = await alice.createEvent(g.id, {
    title: "Seed swap",
    start: "2030-05-02",
    location: "Shed 3",
  });
  await alice.publishEvent(g.id, event.id);
  await alice.deliver(8_000);
  return { g, face, event };
}
