/**
 * Report formats for the command line, all written by `lambdas/report/` from the same JSON view,
 * so a table on a terminal, a CSV in a spreadsheet and ASFF in Security Hub tell the same story.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { awsRequestHandler } from "../lambdas/aws-clients.ts";
import { toAsffFindings } from "../lambdas/report/asff.ts";
import { toCsvReport } from "../lambdas/report/csv.ts";
import { toHtmlReport } from "../lambdas/report/html.ts";
import { formatJsonReport } from "../lambdas/report/json.ts";
import { toOcsfFindings } from "../lambdas/report/ocsf.ts";
import { toTable } from "../lambdas/report/table.ts";
import type { ScanReport } from "../lambdas/scan.ts";

import type { ReportFormat } from "./formats.ts";

export { REPORT_FORMATS, type ReportFormat } from "./formats.ts";

/** Where the report is going, for formats that depend on it. */
export interface RenderContext {
  /** ANSI colour in the table (a terminal without `NO_COLOR`). @default false */
  readonly color?: boolean;
  /** Terminal width for the table. @default 120 */
  readonly width?: number;
  /** Region for ASFF and OCSF. @default AWS_REGION, else us-east-1 */
  readonly region?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Renders a report in one format. ASFF needs the account that imports it: taken from the report or STS. */
export async function renderReport(
  report: ScanReport,
  format: ReportFormat,
  context: RenderContext = {},
): Promise<string> {
  const region = context.region ?? context.env?.AWS_REGION ?? context.env?.AWS_DEFAULT_REGION ?? "us-east-1";
  switch (format) {
    case "table":
      return toTable(report, {
        color: context.color ?? false,
        ...(context.width ? { width: context.width } : {}),
      });
    case "json":
      return formatJsonReport(report);
    case "csv":
      return toCsvReport(report);
    case "html":
      return toHtmlReport(report);
    case "asff":
      return `${JSON.stringify(toAsffFindings(report, { region, accountId: await scannerAccount(report, region) }), null, 2)}\n`;
    case "ocsf":
      return `${JSON.stringify(toOcsfFindings(report, { region }), null, 2)}\n`;
  }
}

/** The summary printed on a terminal after the report went elsewhere (a file, a pipe, another format). */
export function renderSummary(report: ScanReport, context: RenderContext = {}): string {
  return toTable(report, {
    color: context.color ?? false,
    maxRows: 15,
    ...(context.width ? { width: context.width } : {}),
  });
}

/**
 * The AWS account the findings belong to: the account of the IAM credentials scanned, else the
 * caller's account from STS (the standard credential chain, as the scan itself used).
 */
async function scannerAccount(report: ScanReport, region: string): Promise<string> {
  const fromReport = report.plan.items.find((i) => i.finding.credential?.source === "aws-iam")?.finding
    .credential?.account;
  if (fromReport) return fromReport;
  const sts = new STSClient({ region, requestHandler: awsRequestHandler() });
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account) return identity.Account;
  } finally {
    sts.destroy();
  }
  throw new Error(
    "cannot tell which AWS account the ASFF findings belong to (no IAM findings, no STS identity)",
  );
}
