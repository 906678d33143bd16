/**
 * `iam-hygiene sandbox`: the local AWS-compatible endpoint on 127.0.0.1, for trying a scan
 * (or any AWS SDK or CLI call) without an AWS account. Runs until Ctrl-C.
 */
import { CognitoScenarioError } from "../sandbox/cognito/scenario.ts";
import { InvalidScenarioError } from "../sandbox/index.ts";
import { startSandboxFromCli } from "../sandbox/main.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import type { CommandIo } from "./io.ts";

/** Options of `sandbox`. */
export interface SandboxCommandOptions {
  /** @default 4566 */
  readonly port?: number;
  readonly scenario?: string;
}

/**
 * Starts the sandbox and resolves once it listens; the process then stays up until SIGINT or
 * SIGTERM (handled by `startSandboxFromCli`). A bad scenario is exit 2, a taken port exit 1.
 */
export async function sandboxCommand(options: SandboxCommandOptions, io: CommandIo): Promise<void> {
  try {
    await startSandboxFromCli(
      {
        port: options.port ?? 4566,
        ...(options.scenario ? { scenarioFile: options.scenario } : {}),
      },
      (line) => io.stdout.write(`${line}\n`),
    );
    io.stdout.write("Press Ctrl-C to stop.\n");
  } catch (error) {
    if (error instanceof InvalidScenarioError) {
      throw new CliError(`scenario ${options.scenario} is invalid`, EXIT.invalidInput, error.issues, {
        cause: error,
      });
    }
    if (error instanceof CognitoScenarioError) {
      throw new CliError(`scenario ${options.scenario} is invalid`, EXIT.invalidInput, [...error.problems], {
        cause: error,
      });
    }
    if (error instanceof SyntaxError) {
      throw new CliError(
        `scenario ${options.scenario} is not valid JSON: ${error.message}`,
        EXIT.invalidInput,
      );
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
      throw new CliError(`scenario ${options.scenario} cannot be read (${code})`, EXIT.invalidInput);
    }
    if (code === "EADDRINUSE") {
      throw new CliError(
        `port ${options.port ?? 4566} is already in use: pick another with --port`,
        EXIT.runtimeError,
      );
    }
    throw error;
  }
}
