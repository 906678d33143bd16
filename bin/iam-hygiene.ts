/**
 * The `iam-hygiene` command line: commander wiring only. Each command lives in `cli/`; this file
 * parses flags, turns errors into one line and an exit code (see `cli/exit-codes.ts`).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { CliError, EXIT, type ExitCode } from "../cli/exit-codes.ts";
import { REPORT_FORMATS } from "../cli/formats.ts";
import { processIo } from "../cli/io.ts";
import { ConfigError } from "../lambdas/config.ts";
import { SEVERITIES, SOURCE_IDS } from "../lambdas/core/model.ts";

// Commands are loaded when run: the AWS, Google, Okta, GitHub, Slack and Jira SDKs take seconds to
// load, which `--help`, `validate` and a mistyped flag should not pay for.

// The SDK's Node 20 end-of-support notice is for maintainers, not for someone running a scan.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const EXIT_CODES_HELP = `
Exit codes:
  0  done, nothing at or above --fail-on
  1  runtime error (a revocation or a source failed, a port was taken, ...)
  2  invalid config, flag, --out or departure list (rejected): nothing changed
  3  findings at or above --fail-on
  4  the revocation brake stopped the revocations`;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError("expected a port, 0-65535");
  return n;
}

async function flushAndExit(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

/** Runs a command body; every failure becomes one line on stderr and its exit code. */
async function run(body: () => Promise<ExitCode | undefined>): Promise<void> {
  let code: number;
  try {
    const result = await body();
    if (result === undefined) return; // long-running (sandbox): stays up until a signal.
    code = result;
  } catch (error) {
    code = reportError(error);
  }
  await flushAndExit(code);
}

function reportError(error: unknown): ExitCode {
  const debug = (process.env.DEBUG ?? "").split(",").includes("iam-hygiene");
  if (error instanceof CliError || error instanceof ConfigError) {
    const lines =
      error instanceof CliError
        ? error.lines
        : error.problems.map((p) => `${error.origin}: ${p.path || "(file)"}: ${p.message}`);
    process.stderr.write(
      `iam-hygiene: ${error instanceof CliError ? error.message : `${error.origin} is invalid`}\n`,
    );
    for (const line of lines) process.stderr.write(`  ${line}\n`);
    if (debug && error.cause instanceof Error) process.stderr.write(`${error.cause.stack}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.invalidInput;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`iam-hygiene: error: ${err.name === "Error" ? "" : `${err.name}: `}${err.message}\n`);
  if (debug) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write("  (set DEBUG=iam-hygiene for the stack trace)\n");
  return EXIT.runtimeError;
}

const program = new Command()
  .name("iam-hygiene")
  .description("Make sure no credential outlives the person it belongs to.")
  .version("0.1.0")
  .showHelpAfterError("(add --help for usage)")
  .exitOverride()
  .addHelpText(
    "after",
    `
Examples:
  $ iam-hygiene demo                                   # the whole story against a local sandbox
  $ iam-hygiene validate --config iam-hygiene.json --departures hr.csv
  $ AWS_PROFILE=prod iam-hygiene check --config iam-hygiene.json
  $ AWS_PROFILE=prod iam-hygiene scan --config iam-hygiene.json --departures hr.csv
${EXIT_CODES_HELP}`,
  );

program
  .command("scan")
  .description(
    "Scan credentials against the HR departure list; report, or revoke with --apply in enforce mode.",
  )
  .option("-c, --config <file>", "config file (default: ./iam-hygiene.json or .jsonc if present, else {})")
  .option(
    "-d, --departures <path>",
    "departure list file (CSV, JSON, JSON Lines); overrides departures.source",
  )
  .option("--only <source...>", `scan only these sources (${SOURCE_IDS.join(", ")})`)
  .option("--apply", "revoke what policy allows (only when the config's mode is enforce)", false)
  .addOption(
    new Option("-f, --format <format>", "report format").choices([...REPORT_FORMATS]).default("table"),
  )
  .option("-o, --out <file>", "write the report to this file instead of stdout")
  .addOption(
    new Option("--fail-on <severity>", "exit 3 when a finding is at or above this severity")
      .choices([...SEVERITIES])
      .default("critical"),
  )
  .option("-q, --quiet", "no progress, summary or notes on stderr: only the report", false)
  .addHelpText(
    "after",
    `
Credentials come from the AWS SDK's standard chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).

Examples:
  $ AWS_PROFILE=prod iam-hygiene scan --config iam-hygiene.json --departures hr.csv
  $ iam-hygiene scan --departures hr.csv --format json --out report.json --fail-on high
  $ iam-hygiene scan --only aws-iam --format csv > findings.csv
  $ iam-hygiene scan --config enforce.json --apply          # revoke (mode must be "enforce")
${EXIT_CODES_HELP}`,
  )
  .action((options) => run(async () => (await import("../cli/scan.ts")).scanCommand(options, processIo())));

program
  .command("validate")
  .description("Check a config file and a departure list without scanning.")
  .option("-c, --config <file>", "config file (default: ./iam-hygiene.json or .jsonc if present)")
  .option("-d, --departures <file>", "departure list (default: the file the config names)")
  .addHelpText(
    "after",
    `
Every problem is printed as file:line: field: message. Exit 0 when both are valid, 2 otherwise.

Examples:
  $ iam-hygiene validate --config iam-hygiene.json
  $ iam-hygiene validate --departures hr-export.csv && aws s3 cp hr-export.csv s3://hr/departures.csv`,
  )
  .action((options) =>
    run(async () => (await import("../cli/validate.ts")).validateCommand(options, processIo())),
  );

program
  .command("check")
  .description(
    "Check, with reads only, that a scan with this config can reach everything it needs: list, store, sources, Slack, tickets.",
  )
  .option("-c, --config <file>", "config file (default: ./iam-hygiene.json or .jsonc if present, else {})")
  .option("-d, --departures <path>", "departure list file; overrides departures.source")
  .option(
    "--secrets-manager",
    "read secretArn secrets from Secrets Manager with your AWS credentials, as the Lambdas do",
    false,
  )
  .addHelpText(
    "after",
    `
One line per check: the departure list read and validated, one read of the store, each enabled
source's provider (identity, a first read), the Slack token, scopes and security channel, the
Jira project or GitHub repository. Nothing is written, sent or revoked. Exit 0 when every check
passed, 1 otherwise, 2 for an invalid config.

Examples:
  $ AWS_PROFILE=prod iam-hygiene check --config iam-hygiene.json
  $ AWS_PROFILE=prod iam-hygiene check --config deployed.json --secrets-manager   # the deployed config's secrets
  $ iam-hygiene check --config enforce.json && iam-hygiene scan --config enforce.json --apply`,
  )
  .action((options) => run(async () => (await import("../cli/check.ts")).checkCommand(options, processIo())));

program
  .command("sandbox")
  .description(
    "Start the local AWS sandbox (IAM, STS, CloudTrail, S3, Secrets Manager, Cognito) on 127.0.0.1.",
  )
  .option("-p, --port <n>", "port to listen on (0 picks a free one)", port, 4566)
  .option("-s, --scenario <file>", "scenario JSON to load (see docs/sandbox.md)")
  .addHelpText(
    "after",
    `
Prints the endpoint and the export lines that point the AWS SDK and CLI at it; runs until Ctrl-C.

Examples:
  $ iam-hygiene sandbox --port 4566 --scenario scenario.json
  $ eval "$(iam-hygiene sandbox | grep ^export)"     # in another shell: copy the export lines`,
  )
  .action((options) =>
    run(async () => {
      await (await import("../cli/sandbox.ts")).sandboxCommand(options, processIo());
      return undefined;
    }),
  );

program
  .command("demo")
  .description("The whole story in under 30 s: a seeded company, departures, report, enforce, proof.")
  .option("--out-dir <dir>", "where report.html and report.json are written", ".")
  .option("-q, --quiet", "print only where the reports are; no story", false)
  .addHelpText(
    "after",
    `
Starts the AWS sandbox and local Slack, Jira and GitHub fakes in-process, seeds a ~50-person
company, scans it in report mode, then in enforce mode, and proves the revocations worked.
Nothing leaves 127.0.0.1.

Examples:
  $ npm start
  $ iam-hygiene demo --out-dir /tmp/demo && open /tmp/demo/report.html`,
  )
  .action((options) => run(async () => (await import("../cli/demo.ts")).demoCommand(options, processIo())));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; a bad flag or argument is invalid input.
    const ok =
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version" ||
      error.code === "commander.help";
    await flushAndExit(ok ? EXIT.ok : EXIT.invalidInput);
  }
  process.exit(reportError(error));
}
