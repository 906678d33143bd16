/** The report formats `scan --format` accepts; a module of its own so `--help` loads no renderer. */
export const REPORT_FORMATS = ["table", "json", "csv", "html", "asff", "ocsf"] as const;
/** One of `REPORT_FORMATS`. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
