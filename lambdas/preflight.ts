/**
 * `iam-hygiene check`: what a scan would reach, checked with reads only, before a scan is trusted
 * with an account. The same composition root as a scan (`createRuntime`, the same adapters from
 * the same config and secrets), then each outside world's `preflight()`: the departure list is
 * read and validated, the store read once, every enabled source and delivery channel asked to
 * check itself. Nothing is written, sent or revoked. Each step has a deadline, so a provider that
 * never answers is a failed check, not a command that hangs.
 */
import type { PreflightCheck } from "./core/ports/preflight.ts";
import type { AcceptedListMeta } from "./core/ports/store.ts";
import { assessList } from "./departures/sanity.ts";
import {
  deliveryAdaptersFromConfig,
  departuresFromRuntime,
  type Runtime,
  sanityLimits,
  sourcesFromConfig,
} from "./wiring.ts";

/** How long one step (a list read, one adapter's checks) may take before it counts as failed. */
export const PREFLIGHT_STEP_TIMEOUT_MS = 30_000;

/** How `runPreflight` runs. */
export interface PreflightOptions {
  /** Called with each check as it completes, so a caller can print it at once. */
  readonly onCheck?: (check: PreflightCheck) => void;
  /** @default PREFLIGHT_STEP_TIMEOUT_MS */
  readonly stepTimeoutMs?: number;
}

/** Every check: the store, the departure list, each source, then delivery. */
export async function runPreflight(
  runtime: Runtime,
  options: PreflightOptions = {},
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const timeoutMs = options.stepTimeoutMs ?? PREFLIGHT_STEP_TIMEOUT_MS;
  const add = (found: readonly PreflightCheck[]): void => {
    for (const check of found) {
      checks.push(check);
      options.onCheck?.(check);
    }
  };
  const step = (name: string, run: () => Promise<PreflightCheck[]>) =>
    withDeadline(name, timeoutMs, run).then(add);

  // The store first: its one read (the last accepted list) is what the growth brake compares with.
  let accepted: AcceptedListMeta | undefined;
  await step("store", async () => {
    const read = await storeCheck(runtime);
    accepted = read.accepted;
    return [read.check];
  });
  await step("departures", async () => [await departuresCheck(runtime, accepted)]);
  for (const source of await sourcesFromConfig(runtime)) {
    await step(`${source.id}: preflight`, async () =>
      source.preflight
        ? source.preflight()
        : [{ name: `${source.id}: preflight`, ok: true, detail: "nothing to check without scanning" }],
    );
  }
  const delivery = await deliveryAdaptersFromConfig(runtime);
  add(
    (delivery.unavailable ?? []).map((m) => ({ name: `${m.channel}: setup`, ok: false, detail: m.reason })),
  );
  const notifier = delivery.notifier;
  if (notifier?.preflight) await step("slack: preflight", () => notifier.preflight!());
  const sink = delivery.ticketSink;
  if (sink?.preflight) {
    const name = runtime.config.tickets?.type === "github" ? "github-issues" : "jira";
    await step(`${name}: preflight`, () => sink.preflight!());
  }
  return checks;
}

/**
 * The departure list, read and validated as a scan reads it (the webhook's stored departures
 * included), and held against the growth brake with the store's last accepted list. The other
 * brake (the share of known identities) needs the scan's credentials; the detail says so.
 */
async function departuresCheck(
  runtime: Runtime,
  accepted: AcceptedListMeta | undefined,
): Promise<PreflightCheck> {
  const name = "departures";
  const source = departuresFromRuntime(runtime);
  if (!source) return { name, ok: true, detail: "no list configured: the hygiene rules only" };
  try {
    const loaded = await source.load();
    const list = assessList(loaded, sanityLimits(runtime.config, 0, accepted));
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
    const skipped = list.errors.length > 0 ? `; ${list.errors.length} row(s) skipped as invalid` : "";
    return {
      name,
      ok: true,
      detail:
        list.origin === "none"
          ? "no list configured and no webhook departures stored: the hygiene rules only"
          : `${list.people.length} people from ${list.origin}${skipped}; the share of known identities is checked at scan time`,
    };
  } catch (error) {
    return { name, ok: false, detail: describe(error) };
  }
}

/**
 * One read of the store (the accepted list's record): the table or directory is there and
 * readable. Returns the record too, for the departures check.
 */
async function storeCheck(runtime: Runtime): Promise<{ check: PreflightCheck; accepted?: AcceptedListMeta }> {
  const store = runtime.config.store;
  const name = `store: ${store.type === "dynamodb" ? `DynamoDB table ${store.table}` : `directory ${store.dir}`}`;
  try {
    const meta = await runtime.store.getAcceptedListMeta();
    const detail = meta
      ? `readable; last accepted list ${meta.origin} (${meta.count} people) at ${meta.acceptedAt.toISOString()}`
      : "readable; no list accepted yet";
    return { check: { name, ok: true, detail }, ...(meta ? { accepted: meta } : {}) };
  } catch (error) {
    return { check: { name, ok: false, detail: describe(error) } };
  }
}

/**
 * One step's checks within `timeoutMs`. A throw (a bug, or an adapter that broke its promise)
 * and a step that does not finish in time are failed checks; a late answer is ignored.
 */
async function withDeadline(
  what: string,
  timeoutMs: number,
  run: () => Promise<PreflightCheck[]>,
): Promise<PreflightCheck[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PreflightCheck[]>((resolve) => {
    timer = setTimeout(
      () =>
        resolve([
          {
            name: what,
            ok: false,
            detail: `no answer within ${timeoutMs / 1000} s: the provider or the network does not answer (check the URL, a proxy, a firewall)`,
          },
        ]),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([
      run().catch((error: unknown) => [{ name: what, ok: false, detail: describe(error) }]),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
