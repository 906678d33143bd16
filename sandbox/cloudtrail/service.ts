import { randomUUID } from "node:crypto";
import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import type { Scenario } from "../scenario.ts";
import { toDate } from "../scenario.ts";

/** One CloudTrail management event, as `LookupEvents` returns it (plus the raw record). */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: Date;
  readonly eventSource: string;
  readonly username: string | undefined;
  readonly accessKeyId: string | undefined;
  readonly readOnly: boolean;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  /** The `userIdentity` block of the raw record. */
  readonly userIdentity: Record<string, unknown>;
}

/** Names of read-only API calls: CloudTrail marks them `ReadOnly: true`. */
function isReadOnly(eventName: string): boolean {
  return /^(Get|List|Describe|Lookup|Head|Generate)/.test(eventName);
}

/** What lookups may filter on (`LookupAttributes[0].AttributeKey`). */
const ATTRIBUTE_KEYS = new Set([
  "EventId",
  "EventName",
  "ReadOnly",
  "Username",
  "ResourceType",
  "ResourceName",
  "EventSource",
  "AccessKeyId",
]);

/** CloudTrail's event history (the last 90 days of management events) and `LookupEvents`. */
export class CloudTrailService {
  /** Events in the order they were recorded. */
  readonly events: TrailEvent[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly accountId: () => string,
  ) {}

  /** Forgets every event. */
  reset(): void {
    this.events.length = 0;
  }

  /** Appends an event. */
  record(event: Omit<TrailEvent, "eventId" | "readOnly" | "userIdentity"> & Partial<TrailEvent>): TrailEvent {
    const full: TrailEvent = {
      eventId: event.eventId ?? randomUUID(),
      readOnly: event.readOnly ?? isReadOnly(event.eventName),
      userIdentity: event.userIdentity ?? {
        type: "IAMUser",
        accountId: this.accountId(),
        ...(event.username ? { userName: event.username } : {}),
        ...(event.username ? { arn: `arn:aws:iam::${this.accountId()}:user/${event.username}` } : {}),
        ...(event.accessKeyId ? { accessKeyId: event.accessKeyId } : {}),
      },
      ...event,
    };
    this.events.push(full);
    return full;
  }

  /** Loads `scenario.cloudtrail.events`. */
  load(scenario: Scenario): void {
    const now = this.clock.now();
    for (const e of scenario.cloudtrail?.events ?? []) {
      this.record({
        ...(e.eventId ? { eventId: e.eventId } : {}),
        ...(e.readOnly !== undefined ? { readOnly: e.readOnly } : {}),
        eventName: e.eventName,
        eventTime: toDate(e.eventTime, now),
        eventSource: e.eventSource ?? "iam.amazonaws.com",
        username: e.username,
        accessKeyId: e.accessKeyId,
        awsRegion: e.awsRegion ?? "us-east-1",
        sourceIPAddress: e.sourceIPAddress ?? "127.0.0.1",
        userAgent: e.userAgent ?? "aws-cli/2.15.0",
      });
    }
  }

  /** Runs one CloudTrail action (only `LookupEvents` is served). */
  handle(action: string, input: Record<string, unknown>): unknown {
    if (action !== "LookupEvents") {
      throw new SandboxServiceError("UnknownOperationException", `Unknown operation ${action}`, 400);
    }
    return this.#lookup(input);
  }

  #lookup(input: Record<string, unknown>): unknown {
    const attributes = (input.LookupAttributes ?? []) as { AttributeKey?: string; AttributeValue?: string }[];
    if (attributes.length > 1) {
      throw new SandboxServiceError(
        "InvalidLookupAttributesException",
        "You cannot make a lookup with more than one lookup attribute.",
      );
    }
    const attribute = attributes[0];
    if (attribute && !ATTRIBUTE_KEYS.has(attribute.AttributeKey ?? "")) {
      throw new SandboxServiceError(
        "InvalidLookupAttributesException",
        `Invalid attribute key ${attribute.AttributeKey}`,
      );
    }
    const maxResults = input.MaxResults === undefined ? 50 : Number(input.MaxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
      throw new SandboxServiceError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
    }
    const now = this.clock.now().getTime();
    const start = typeof input.StartTime === "number" ? input.StartTime * 1000 : now - 90 * 86_400_000;
    const end = typeof input.EndTime === "number" ? input.EndTime * 1000 : now;
    if (start > end) {
      throw new SandboxServiceError("InvalidTimeRangeException", "StartTime must be before EndTime.");
    }
    const matches = this.events.filter((e) => {
      const t = e.eventTime.getTime();
      if (t < start || t > end) return false;
      if (!attribute) return true;
      const value = attribute.AttributeValue;
      switch (attribute.AttributeKey) {
        case "AccessKeyId":
          return e.accessKeyId === value;
        case "Username":
          return e.username === value;
        case "EventName":
          return e.eventName === value;
        case "EventSource":
          return e.eventSource === value;
        case "EventId":
          return e.eventId === value;
        case "ReadOnly":
          return String(e.readOnly) === value;
        default:
          return false;
      }
    });
    // Newest first, as CloudTrail returns them.
    matches.sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime());
    let offset = 0;
    if (typeof input.NextToken === "string") {
      offset = Number(Buffer.from(input.NextToken, "base64url").toString("utf8"));
      if (!Number.isInteger(offset) || offset < 0) {
        throw new SandboxServiceError("InvalidNextTokenException", "Invalid NextToken.");
      }
    }
    const pageItems = matches.slice(offset, offset + maxResults);
    const next = offset + maxResults < matches.length ? offset + maxResults : undefined;
    return {
      Events: pageItems.map((e) => ({
        EventId: e.eventId,
        EventName: e.eventName,
        ReadOnly: String(e.readOnly),
        AccessKeyId: e.accessKeyId,
        EventTime: e.eventTime,
        EventSource: e.eventSource,
        Username: e.username,
        Resources: [],
        CloudTrailEvent: JSON.stringify({
          eventVersion: "1.08",
          userIdentity: e.userIdentity,
          eventTime: e.eventTime.toISOString().replace(/\.\d{3}Z$/, "Z"),
          eventSource: e.eventSource,
          eventName: e.eventName,
          awsRegion: e.awsRegion,
          sourceIPAddress: e.sourceIPAddress,
          userAgent: e.userAgent,
          requestParameters: null,
          responseElements: null,
          eventID: e.eventId,
          readOnly: e.readOnly,
          eventType: "AwsApiCall",
          managementEvent: true,
          recipientAccountId: this.accountId(),
          eventCategory: "Management",
        }),
      })),
      ...(next !== undefined ? { NextToken: Buffer.from(String(next), "utf8").toString("base64url") } : {}),
    };
  }
}
