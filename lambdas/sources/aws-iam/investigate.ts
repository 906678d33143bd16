/**
 * CloudTrail enrichment for an access key used after its owner left: what was called, when,
 * from where, with what. LookupEvents covers the last 90 days of management events, filters
 * on one attribute (here `AccessKeyId`) and allows 2 requests per second per account and
 * region, so pages are rate-limited with a token bucket and their number is bounded.
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html
 */
import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import type { Evidence } from "../../core/model.ts";
import type { CallCounter, TokenBucket } from "./aws-calls.ts";

/** What `investigateAccessKey` needs. */
export interface InvestigateDeps {
  readonly cloudTrail: CloudTrailClient;
  readonly calls: CallCounter;
  readonly bucket: TokenBucket;
  /** Pages of 50 events at most. */
  readonly maxPages: number;
}

/** The fields of a CloudTrail record this summary reads. */
interface TrailRecord {
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly awsRegion?: string;
  readonly errorCode?: string;
}

/**
 * Summarises the events signed with `accessKeyId` since `since` (the departure) into plain
 * evidence: counts, first and last time, distinct IPs, top event names and user agents.
 * Throws the SDK's error if CloudTrail cannot be read.
 */
export async function investigateAccessKey(
  deps: InvestigateDeps,
  accessKeyId: string,
  since: Date,
  until: Date,
): Promise<Evidence> {
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  const agents = new Map<string, number>();
  const regions = new Set<string>();
  let events = 0;
  let errors = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  let pages = 0;
  let NextToken: string | undefined;
  do {
    await deps.bucket.take();
    pages++;
    const page = await deps.calls.run("cloudtrail:LookupEvents", () =>
      deps.cloudTrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: accessKeyId }],
          StartTime: since,
          EndTime: until,
          MaxResults: 50,
          NextToken,
        }),
      ),
    );
    for (const event of page.Events ?? []) {
      events++;
      if (event.EventName) names.set(event.EventName, (names.get(event.EventName) ?? 0) + 1);
      if (event.EventTime) {
        if (!first || event.EventTime < first) first = event.EventTime;
        if (!last || event.EventTime > last) last = event.EventTime;
      }
      const record = parseRecord(event.CloudTrailEvent);
      if (record.sourceIPAddress) ips.set(record.sourceIPAddress, (ips.get(record.sourceIPAddress) ?? 0) + 1);
      if (record.userAgent) agents.set(record.userAgent, (agents.get(record.userAgent) ?? 0) + 1);
      if (record.awsRegion) regions.add(record.awsRegion);
      if (record.errorCode) errors++;
    }
    NextToken = page.NextToken;
  } while (NextToken && pages < deps.maxPages);
  return {
    accessKeyId,
    since: since.toISOString(),
    events,
    failedCalls: errors,
    firstEventAt: first?.toISOString() ?? null,
    lastEventAt: last?.toISOString() ?? null,
    distinctSourceIps: ips.size,
    sourceIps: top(ips, 10),
    topEventNames: top(names, 5),
    userAgents: top(agents, 3),
    regions: [...regions].sort().join(", "),
    pagesRead: pages,
    // More events exist than the bounded pages read: the counts are a floor.
    truncated: NextToken !== undefined,
  };
}

function parseRecord(json: string | undefined): TrailRecord {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null ? (value as TrailRecord) : {};
  } catch {
    return {};
  }
}

/** `"a (3), b (1)"`: the most frequent values first, ties by name. */
function top(counts: ReadonlyMap<string, number>, n: number): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([value, count]) => `${value} (${count})`)
    .join(", ");
}
