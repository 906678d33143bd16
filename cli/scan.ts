/**
 * `iam-hygiene scan`: one scan of the configured sources against the departure list, in
 * report mode unless `--apply` is given and the config says `enforce`. The report goes to
 * stdout (or `--out`); progress and the summary go to stderr, and only on a terminal.
 */
import { mkdir, open, unlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { SEVERITIES, type Severity, SOURCE_IDS, type SourceId } from "../lambdas/core/model.ts";
import { loadConfig, withDepartureFile } from "./config-file.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { REPORT_FORMATS, type ReportFormat } from "./formats.ts";
import type { CommandIo } from "./io.ts";
import { TerminalProgress } from "./progress.ts";

/** Options of `scan`, as commander parses them. */
export interface ScanOptions {
  readonly config?: string;
  readonly departures?: string;
  readonly only?: readonly string[];
  readonly apply?: boolean;
  /** @default "table" */
  readonly format?: string;
  readonly out?: string;
  /** @default "critical" */
  readonly failOn?: string;
  readonly quiet?: boolean;
}

function parseFormat(value: string | undefined): ReportFormat {
  const format = value ?? "table";
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`--format ${format}: expected one of ${REPORT_FORMATS.join(", ")}`, EXIT.invalidInput);
  }
  return format as ReportFormat;
}

function parseSeverity(value: string | undefined): Severity {
  const severity = value ?? "critical";
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    throw new CliError(`--fail-on ${severity}: expected one of ${SEVERITIES.join(", ")}`, EXIT.invalidInput);
  }
  return severity as Severity;
}

function parseSources(values: readonly string[] | undefined): SourceId[] | undefined {
  if (!values || values.length === 0) return undefined;
  // `--only aws-iam,github` and `--only aws-iam github` both work.
  const ids = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
  const unknown = ids.filter((id) => !(SOURCE_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new CliError(
      `--only ${unknown.join(", ")}: unknown source; expected ${SOURCE_IDS.join(", ")}`,
      EXIT.invalidInput,
    );
  }
  return ids as SourceId[];
}

/** Runs the scan command; returns the exit code. Throws `CliError` for invalid input. */
export async function scanCommand(options: ScanOptions, io: CommandIo): Promise<ExitCode> {
  const format = parseFormat(options.format);
  const failOn = parseSeverity(options.failOn);
  const only = parseSources(options.only);
  const loaded = await loadConfig(options.config, io.cwd);
  const config = withDepartureFile(loaded.config, options.departures, io.cwd);
  // Before the scan: an --out that cannot be written is an input mistake found while nothing has
  // been changed yet, not after the scan has revoked and its report has nowhere to go.
  const out = options.out ? await prepareOut(options.out, io.cwd) : undefined;

  const interactive = io.stderr.isTTY === true && !options.quiet;
  const say = (line: string): void => {
    if (!options.quiet) io.stderr.write(`${line}\n`);
  };
  if (options.apply && config.mode !== "enforce") {
    say(
      `--apply given but ${loaded.path ?? "the config"} has mode "${config.mode}": report mode, nothing will be revoked (set "mode": "enforce" to act)`,
    );
  }
  if (!options.apply && config.mode === "enforce") {
    say(
      `${loaded.path ?? "the config"} has mode "enforce" but --apply was not given: report mode, nothing will be revoked`,
    );
  }
  const disabled = only?.filter((id) => !isEnabled(config, id)) ?? [];
  if (disabled.length > 0)
    say(`--only ${disabled.join(", ")}: not enabled in the config, nothing to scan there`);

  // Loaded only now: the SDKs behind the composition root take seconds to load, which a config
  // or flag mistake should not cost.
  const { runConfiguredScan, verdict } = await import("./run.ts");
  const { renderReport, renderSummary } = await import("./output.ts");
  const progress = interactive ? new TerminalProgress(io.stderr) : undefined;
  let report: Awaited<ReturnType<typeof runConfiguredScan>>;
  try {
    report = await runConfiguredScan({
      config,
      ...(loaded.path ? { configPath: loaded.path } : {}),
      env: io.env,
      apply: options.apply === true,
      ...(only ? { only } : {}),
      ...(progress ? { progress: progress.update } : {}),
    });
  } catch (error) {
    await out?.discard();
    throw error;
  } finally {
    progress?.done();
  }

  const toTerminal = !out && io.stdout.isTTY === true;
  // The scan has run (and may have revoked): from here a failure to render or write the report
  // is a runtime error that must not swallow the verdict (an incident, a failed revocation).
  let outputError: unknown;
  try {
    const text = await renderReport(report, format, {
      color: toTerminal && io.env.NO_COLOR === undefined,
      ...(toTerminal && io.stdout.columns ? { width: io.stdout.columns } : {}),
      env: io.env,
    });
    if (out) {
      await writeFile(out.path, text);
      say(`report written to ${out.path}`);
    } else {
      io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    }
  } catch (error) {
    outputError = error;
    await out?.discard();
  }
  // The report itself is the table when it went to a terminal; otherwise summarise on stderr.
  if (interactive && (format !== "table" || !toTerminal)) {
    io.stderr.write(
      `${renderSummary(report, { color: io.env.NO_COLOR === undefined, ...(io.stderr.columns ? { width: io.stderr.columns } : {}) })}\n`,
    );
  }

  const result = verdict(report, failOn);
  for (const note of report.notes) say(`note: ${note}`);
  // The reason that sets the exit code comes first: a failed revocation or source (1) and a
  // rejected list (2) keep their code; otherwise the unwritten report makes it 1.
  const keeps = result.code === EXIT.runtimeError || result.code === EXIT.invalidInput;
  const unwritten =
    outputError === undefined
      ? []
      : [
          `the ${format} report could not be written${out ? ` to ${out.path}` : ""}: ${messageOf(outputError)}`,
        ];
  const reasons = keeps ? [...result.reasons, ...unwritten] : [...unwritten, ...result.reasons];
  for (const reason of reasons) {
    // Findings are the expected output of a scan; only say why the code is not 0.
    io.stderr.write(`iam-hygiene: ${reason}\n`);
  }
  return outputError === undefined || keeps ? result.code : EXIT.runtimeError;
}

/** The `--out` file, checked writable before the scan. */
interface OutFile {
  readonly path: string;
  /** Removes the file if the check created it: the scan or the report failed, nothing to keep. */
  discard(): Promise<void>;
}

/**
 * Creates the directories and opens the file for appending (which does not truncate a previous
 * report), so a path under a file, a directory, or a file without write permission fails here
 * with exit 2, before anything is scanned or changed. The report itself is written at the end.
 */
async function prepareOut(out: string, cwd: string): Promise<OutFile> {
  const path = resolve(cwd, out);
  let created = false;
  try {
    await mkdir(dirname(path), { recursive: true });
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "ax");
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      handle = await open(path, "a");
    }
    await handle.close();
  } catch (error) {
    throw new CliError(
      `--out ${out}: cannot write ${path} (${messageOf(error)}); nothing was scanned or changed`,
      EXIT.invalidInput,
      [],
      { cause: error },
    );
  }
  return {
    path,
    discard: async () => {
      if (created) await unlink(path).catch(() => undefined);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isEnabled(config: Awaited<ReturnType<typeof loadConfig>>["config"], id: SourceId): boolean {
  return config.sources[id]?.enabled === true;
}
