/**
 * A separate process for the local store's cross-process tests: waits until a shared start
 * instant so all workers race, then takes the lease or claims an outbox item, and prints
 * what it got as one JSON line.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDirectoryStore } from "../../../lambdas/store/local.ts";

const [dir, holder, startAtMs, what] = process.argv.slice(2);
const store = new LocalDirectoryStore(dir ?? ".");
await sleep(Math.max(0, Number(startAtMs) - Date.now()));
const now = new Date("2024-03-01T09:00:00.000Z");
const won =
  what === "claim"
    ? await store.claimOutbox("k1", now)
    : (await store.acquireLease("scan", holder ?? "?", 60_000, now)) !== undefined;
process.stdout.write(`${JSON.stringify({ holder, won })}\n`);
