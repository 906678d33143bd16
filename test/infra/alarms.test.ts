/**
 * The alarms watch what the handlers emit. Every alarm on an `IamHygiene` metric, as
 * synthesised, must find its metric name and its exact dimension set (names and values) in
 * the EMF documents the handlers print, with a value that breaches its threshold; for the org
 * account scan, whatever the member account.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { Context } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MemberRoleError, makeHandler as makeOrgHandler } from "../../lambdas/handlers/org-account-scan.ts";
import { makeHandler as makeScanHandler } from "../../lambdas/handlers/scheduled-scan.ts";
import { METRIC } from "../../lambdas/observability.ts";
import type { ScanReport } from "../../lambdas/scan.ts";
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from "../../lib/function-defaults.ts";
import { IamHygieneOrgStack } from "../../lib/org/iam-hygiene-org-stack.ts";
import {
  brakeReportFixture,
  rejectedListReportFixture,
  scanReportFixture,
} from "../support/scan-report-fixture.ts";
import { unbundledContext } from "./support.ts";

const MEMBER = "210987654321";
const context = { functionName: "scan", awsRequestId: "req-1" } as unknown as Context;

/** An alarm on one of the scan's own metrics, as CloudFormation has it. */
interface ScanAlarm {
  readonly MetricName: string;
  readonly Namespace: string;
  readonly Dimensions: readonly { Name: string; Value: string }[];
  readonly Threshold: number;
  readonly ComparisonOperator: string;
}

/** One EMF document as Powertools prints it. */
interface EmfDocument {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

let alarms: ScanAlarm[];

beforeAll(() => {
  // Prepare: the org stack (the security account's scanner and its alarms, plus the org scan).
  const app = new App({ context: unbundledContext() });
  const stack = new IamHygieneOrgStack(app, "Org", {
    organizationId: "o-abcdefghij",
    targetOrganizationalUnitIds: ["ou-abcd-11111111"],
  });
  const found = Template.fromStack(stack).findResources("AWS::CloudWatch::Alarm", {
    Properties: { Namespace: METRICS_NAMESPACE },
  });
  alarms = Object.values(found).map((r) => (r as { Properties: ScanAlarm }).Properties);
}, 60_000);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `invoke` and returns the EMF documents it printed to stdout. */
async function emfOf(invoke: () => Promise<unknown>): Promise<EmfDocument[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n"));
    return true;
  });
  await invoke();
  vi.restoreAllMocks();
  return lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as EmfDocument)
    .filter((doc) => doc._aws !== undefined);
}

/** Metrics exactly as the handlers create theirs (namespace and service of the deployed functions). */
function handlerMetrics(): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: POWERTOOLS_SERVICE_NAME,
    logger: { info() {}, warn() {}, error() {}, debug() {} } as never,
  });
}

const quietLogger = () => new Logger({ serviceName: "test", logLevel: "SILENT" });

/** A run whose tickets Jira refused (a revoked token): two failed, one of them given up as dead. */
function undeliveredReportFixture(): ScanReport {
  return {
    ...scanReportFixture(),
    notifications: {
      enqueued: 3,
      sent: 0,
      failed: 2,
      pending: 2,
      details: { dead: ["ticket:jane:111122223333"], errors: ["Jira: 401 Unauthorized"] },
    },
  };
}

/** Every report fixture: together they give each alarm's metric a breaching value. */
const reports = (): ScanReport[] => [
  scanReportFixture(),
  brakeReportFixture(),
  rejectedListReportFixture(),
  undeliveredReportFixture(),
];

/** The values of `alarm`'s metric in documents carrying exactly its dimension set. */
function valuesFor(alarm: ScanAlarm, docs: readonly EmfDocument[]): number[] {
  const wanted = alarm.Dimensions.map((d) => d.Name).sort();
  const values: number[] = [];
  for (const doc of docs) {
    for (const directive of doc._aws.CloudWatchMetrics) {
      if (directive.Namespace !== alarm.Namespace) continue;
      if (!directive.Metrics.some((m) => m.Name === alarm.MetricName)) continue;
      const hasSet = directive.Dimensions.some(
        (set) => JSON.stringify([...set].sort()) === JSON.stringify(wanted),
      );
      if (!hasSet || !alarm.Dimensions.every((d) => doc[d.Name] === d.Value)) continue;
      const value = doc[alarm.MetricName];
      values.push(...(Array.isArray(value) ? (value as number[]) : [value as number]));
    }
  }
  return values;
}

describe("the synthesised alarms", () => {
  it("include one on each safety metric, the source problems, the revocation and notification failures and failed member accounts", () => {
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(
      [
        METRIC.usedAfterDeparture,
        METRIC.brakeEngaged,
        METRIC.departureListRejected,
        METRIC.revocationFailures,
        METRIC.sourceProblems,
        METRIC.notificationFailures,
        METRIC.accountScanFailures,
      ].sort(),
    );
    for (const alarm of alarms) expect(alarm.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
  });
});

describe("an org account scan's metrics", () => {
  it("reach every alarm, whatever the member account", async () => {
    // Act: one member account's runs, as the Distributed Map invokes the org account scan.
    const docs: EmfDocument[] = [];
    for (const report of reports()) {
      const handler = makeOrgHandler({
        logger: quietLogger(),
        metrics: handlerMetrics(),
        scanAccount: async () => report,
      });
      docs.push(
        ...(await emfOf(() =>
          handler({ accountId: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/IamHygieneScanner` }, context),
        )),
      );
    }
    // A member account whose scan fails after its role was assumed.
    const failing = makeOrgHandler({
      logger: quietLogger(),
      metrics: handlerMetrics(),
      scanAccount: async () => {
        throw new Error("store unreachable");
      },
    });
    const role = `arn:aws:iam::${MEMBER}:role/IamHygieneScanner`;
    docs.push(
      ...(await emfOf(() =>
        expect(failing({ accountId: MEMBER, roleArn: role }, context)).rejects.toThrow("store unreachable"),
      )),
    );
    // Assess
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      const values = valuesFor(alarm, docs);
      expect(values, `${alarm.MetricName} with ${JSON.stringify(alarm.Dimensions)}`).not.toEqual([]);
      expect(Math.max(...values), alarm.MetricName).toBeGreaterThanOrEqual(alarm.Threshold);
    }
  });

  it("do not count an account without the member role as a failed scan", async () => {
    const handler = makeOrgHandler({
      logger: quietLogger(),
      metrics: handlerMetrics(),
      scanAccount: async (target) => {
        throw new MemberRoleError(`AssumeRole ${target.roleArn} refused: not authorized`);
      },
    });
    const docs = await emfOf(() =>
      expect(
        handler({ accountId: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/IamHygieneScanner` }, context),
      ).rejects.toThrow(MemberRoleError),
    );
    // The iteration still fails (the map's tolerated share covers it), but no alarm hears of it.
    const failure = alarms.find((a) => a.MetricName === METRIC.accountScanFailures)!;
    expect(valuesFor(failure, docs)).toEqual([]);
  });

  it("also carry the member account, for the figures per account", async () => {
    // Act
    const handler = makeOrgHandler({
      logger: quietLogger(),
      metrics: handlerMetrics(),
      scanAccount: async () => scanReportFixture(),
    });
    const docs = await emfOf(() =>
      handler({ accountId: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/IamHygieneScanner` }, context),
    );
    // Assess: each figure once without and once with the account, the Source breakdown kept.
    const sets = (name: string) =>
      docs.flatMap((doc) =>
        doc._aws.CloudWatchMetrics.filter((d) => d.Metrics.some((m) => m.Name === name)).flatMap((d) =>
          d.Dimensions.map((set) => [...set].sort().join(",") + (doc.Account ? `=${doc.Account}` : "")),
        ),
      );
    expect(sets(METRIC.revocationFailures).sort()).toEqual(["Account,service=210987654321", "service"]);
    expect(sets(METRIC.lingeringCredentials)).toContain("Source,service");
    expect(sets(METRIC.lingeringCredentials)).toContain(`Account,Source,service=${MEMBER}`);
  });
});

describe("a single-account scan's metrics", () => {
  it("reach every alarm", async () => {
    const docs: EmfDocument[] = [];
    for (const report of reports()) {
      const handler = makeScanHandler({
        logger: quietLogger(),
        metrics: handlerMetrics(),
        scan: async () => report,
      });
      docs.push(...(await emfOf(() => handler({ trigger: "schedule" }, context))));
    }
    // Failed member accounts are the org account scan's own alarm.
    for (const alarm of alarms.filter((a) => a.MetricName !== METRIC.accountScanFailures)) {
      const values = valuesFor(alarm, docs);
      expect(values, alarm.MetricName).not.toEqual([]);
      expect(Math.max(...values), alarm.MetricName).toBeGreaterThanOrEqual(alarm.Threshold);
    }
  });
});
