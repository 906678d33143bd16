/**
 * `iam-hygiene check`: what a scan would reach, checked with reads only, before a scan is trusted
 * with an account. The same composition root as a scan (`createRuntime`, the same adapters from
 * the same config and secrets), then each outside world's `preflight()`: the departure list is
 * read and validated, the store read once, every enabled source and delivery channel asked to
 * check itself. Nothing is written, sent, created or revoked.
 */
import type { PreflightCheck } from "./core/ports/preflight.ts";
import {
  deliveryAdaptersFromConfig,
  departuresFromRuntime,
  type Runtime,
  sourcesFromConfig,
} from "./wiring.ts";

/** Every check, in the order a scan meets them: departures, store, sources, delivery. */
export async function runPreflight(runtime: Runtime): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  checks.push(await departuresCheck(runtime));
  checks.push(await storeCheck(runtime));
  for (const source of await sourcesFromConfig(runtime)) {
    checks.push(
      ...(source.preflight
        ? await guarded(source.id, () => source.preflight!())
        : [{ name: `${source.id}: preflight`, ok: true, detail: "nothing to check without scanning" }]),
    );
  }
  const delivery = await deliveryAdaptersFromConfig(runtime);
  for (const missing of delivery.unavailable ?? []) {
    checks.push({ name: `${missing.channel}: setup`, ok: false, detail: missing.reason });
  }
  if (delivery.notifier?.preflight) {
    const notifier = delivery.notifier;
    checks.push(...(await guarded("slack", () => notifier.preflight!())));
  }
  if (delivery.ticketSink?.preflight) {
    const sink = delivery.ticketSink;
    const name = runtime.config.tickets?.type === "github" ? "github-issues" : "jira";
    checks.push(...(await guarded(name, () => sink.preflight!())));
  }
  return checks;
}

/** The departure list, read and validated as a scan reads it (the webhook's stored departures included). */
async function departuresCheck(runtime: Runtime): Promise<PreflightCheck> {
  const name = "departures";
  const source = departuresFromRuntime(runtime);
  if (!source) return { name, ok: true, detail: "no list configured: the hygiene rules only" };
  try {
    const list = await source.load();
    if (list.rejected) {
      const first = list.errors[0];
      return {
        name,
        ok: false,
        detail: `${list.origin} would be rejected: ${list.rejectionReason ?? "invalid"}${
          first ? ` (line ${first.line}${first.field ? `, field ${first.field}` : ""}: ${first.message})` : ""
        }`,
      };
    }
    const problems = list.errors.length > 0 ? `; ${list.errors.length} row(s) skipped as invalid` : "";
    return { name, ok: true, detail: `${list.people.length} people from ${list.origin}${problems}` };
  } catch (error) {
    return { name, ok: false, detail: describe(error) };
  }
}

/** One read of the store (the accepted list's record): the table or directory is there and readable. */
async function storeCheck(runtime: Runtime): Promise<PreflightCheck> {
  const store = runtime.config.store;
  const name = `store: ${store.type === "dynamodb" ? `DynamoDB table ${store.table}` : `directory ${store.dir}`}`;
  try {
    const meta = await runtime.store.getAcceptedListMeta();
    return {
      name,
      ok: true,
      detail: meta
        ? `readable; last accepted list ${meta.origin} (${meta.count} people) at ${meta.acceptedAt.toISOString()}`
        : "readable; no list accepted yet",
    };
  } catch (error) {
    return { name, ok: false, detail: describe(error) };
  }
}

/** An adapter's preflight, with a throw (a bug, or an adapter that broke its promise) as a failed check. */
async function guarded(what: string, check: () => Promise<PreflightCheck[]>): Promise<PreflightCheck[]> {
  try {
    return await check();
  } catch (error) {
    return [{ name: `${what}: preflight`, ok: false, detail: describe(error) }];
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
