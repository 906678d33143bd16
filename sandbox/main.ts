import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Sandbox } from "./index.ts";
import { parseScenario, startSandbox } from "./index.ts";

/** Options of the `sandbox` command. */
export interface SandboxCliOptions {
  /** @default 4566 */
  port?: number;
  /** A scenario JSON file to load at start. */
  scenarioFile?: string;
  /** @default 0 */
  credentialReportDelayMs?: number;
}

/**
 * Starts a sandbox for the command line: loads the scenario file, prints the endpoint and
 * the `export` lines that point an AWS SDK or CLI at it, and stops on SIGINT/SIGTERM.
 */
export async function startSandboxFromCli(
  options: SandboxCliOptions = {},
  log: (line: string) => void = console.log,
): Promise<Sandbox> {
  // parseScenario reports every problem with its path, so a bad file fails with a useful message.
  const scenario = options.scenarioFile
    ? parseScenario(JSON.parse(await readFile(options.scenarioFile, "utf8")) as unknown)
    : undefined;
  const sandbox = await startSandbox({
    port: options.port ?? 4566,
    credentialReportDelayMs: options.credentialReportDelayMs ?? 0,
    ...(scenario !== undefined ? { scenario } : {}),
  });
  log(`AWS sandbox listening on ${sandbox.endpoint}`);
  log(`  IAM users: ${sandbox.iam.users.size}, access keys: ${sandbox.iam.accessKeys.size}`);
  log("Point the AWS SDK or CLI at it with:");
  for (const [name, value] of Object.entries(sandbox.env())) log(`export ${name}=${value}`);
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return sandbox;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4566" },
      scenario: { type: "string" },
      "credential-report-delay-ms": { type: "string", default: "0" },
    },
  });
  startSandboxFromCli({
    port: Number(values.port),
    ...(values.scenario ? { scenarioFile: values.scenario } : {}),
    credentialReportDelayMs: Number(values["credential-report-delay-ms"]),
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
