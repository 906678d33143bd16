/**
 * The events that start a scan Lambda, validated: EventBridge Scheduler's payload, a targeted
 * scan for people the HR webhook accepted, and S3 object-created notifications of the
 * departures bucket. Anything else is refused with the field that is wrong.
 */
import * as z from "zod";
import { type Person, SOURCE_IDS } from "../core/model.ts";
import type { ScanRequest } from "../scan.ts";

const personSchema = z
  .object({
    employeeId: z.string().min(1).optional(),
    emails: z.array(z.string().min(3)),
    aliases: z.array(z.string()).default([]),
    displayName: z.string().optional(),
    departedAt: z.iso.datetime({ offset: true }),
    managerEmail: z.string().optional(),
    slackUserId: z.string().optional(),
  })
  .refine((p) => p.employeeId !== undefined || p.emails.length > 0, {
    message: "a person needs an email or an employee id",
  });

const scheduled = z
  .object({
    trigger: z.string().min(1).default("schedule"),
    // As the CLI's --only: a misspelt source would scan nothing and still say "completed".
    only: z.array(z.enum(SOURCE_IDS)).min(1).optional(),
  })
  .strict();
const targeted = z.object({
  trigger: z.string().min(1),
  eventId: z.string().min(1),
  people: z.array(personSchema).min(1),
});
const s3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal("aws:s3"),
        s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }),
      }),
    )
    .min(1),
});

/** A scan event that does not fit any known shape. */
export class ScanEventError extends Error {
  override readonly name = "ScanEventError";
}

/** Turns a Lambda event into a scan request (apply is decided by the config's mode). */
export function scanRequestFromEvent(event: unknown): ScanRequest {
  const asTargeted = targeted.safeParse(event);
  if (asTargeted.success) {
    const people: Person[] = asTargeted.data.people.map((p) => ({
      ...p,
      departedAt: new Date(p.departedAt),
    }));
    return { apply: true, trigger: asTargeted.data.trigger, people };
  }
  const asS3 = s3Notification.safeParse(event);
  if (asS3.success) {
    const record = asS3.data.Records[0]!;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    return { apply: true, trigger: `s3:${record.s3.bucket.name}/${key}` };
  }
  const asScheduled = scheduled.safeParse(event ?? {});
  if (asScheduled.success) {
    return {
      apply: true,
      trigger: asScheduled.data.trigger,
      ...(asScheduled.data.only ? { only: asScheduled.data.only } : {}),
    };
  }
  // The shape it was meant to be: a targeted scan names people or an event id.
  const meantTargeted =
    typeof event === "object" && event !== null && ("people" in event || "eventId" in event);
  const issue = (meantTargeted ? asTargeted.error.issues[0] : asScheduled.error.issues[0])!;
  throw new ScanEventError(`unrecognised scan event: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/**
 * Whether a scan answering `busy` must fail its invocation so Lambda retries it (and, after its
 * retries, sends it to the dead-letter queue): a targeted scan (the webhook's people) or one
 * started by a new departures object is a one-off event that nothing else replays. A scheduled
 * scan is not: the next one comes on its own, and a failure would only fill the queue.
 */
export function retriesWhenBusy(request: ScanRequest): boolean {
  return request.people !== undefined || request.trigger.startsWith("s3:");
}

/** What a targeted scan event carries: people serialised with ISO dates. */
export function targetedScanEvent(
  trigger: string,
  eventId: string,
  people: readonly Person[],
): Record<string, unknown> {
  return {
    trigger,
    eventId,
    people: people.map((p) => ({ ...p, departedAt: p.departedAt.toISOString() })),
  };
}
