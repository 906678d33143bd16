/**
 * `iam-hygiene check`: a read-only preflight of everything a scan with this config would reach
 * (`lambdas/preflight.ts`): the departure list, the store, each enabled source, Slack and the
 * ticket tracker. One line per check on stdout; exit 0 when every check passed, 1 otherwise.
 */
import { loadConfig, withDepartureFile } from "./config-file.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import type { CommandIo } from "./io.ts";

/** Options of `check`. */
export interface CheckOptions {
  readonly config?: string;
  readonly departures?: string;
  /** Read `secretArn` secrets from Secrets Manager with the caller's AWS credentials, as the Lambdas do. */
  readonly secretsManager?: boolean;
}

/** Runs every check and prints `ok`/`FAIL`, the check's name and what it found. */
export async function checkCommand(options: CheckOptions, io: CommandIo): Promise<ExitCode> {
  const loaded = await loadConfig(options.config, io.cwd);
  const config = withDepartureFile(loaded.config, options.departures, io.cwd);
  // Loaded only now, as for `scan`: the SDKs behind the composition root take seconds to load.
  const { createRuntime } = await import("../lambdas/wiring.ts");
  const { runPreflight } = await import("../lambdas/preflight.ts");
  const runtime = createRuntime({
    config,
    env: io.env,
    ...(loaded.path ? { configPath: loaded.path } : {}),
    ...(options.secretsManager ? { useSecretsManager: true } : {}),
  });
  io.stdout.write(`config ${loaded.path ?? "(defaults)"}: mode ${config.mode}\n`);
  // Each line as its check completes: a slow provider shows where the time goes.
  const checks = await runPreflight(runtime, {
    onCheck: (check) => io.stdout.write(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}\n`),
  });
  const failed = checks.filter((c) => !c.ok).length;
  io.stdout.write(
    failed === 0
      ? `${checks.length} check(s) passed; nothing was written, sent or revoked\n`
      : `${failed} of ${checks.length} check(s) failed; nothing was written, sent or revoked\n`,
  );
  return failed === 0 ? EXIT.ok : EXIT.runtimeError;
}
