/**
 * Exit codes and the one error type the commands throw. Scripts and CI jobs branch on the
 * code, so each one means a single thing and never changes meaning.
 */

/** What an `iam-hygiene` process exit code means. */
export const EXIT = {
  /** Done, and nothing at or above `--fail-on`. */
  ok: 0,
  /** Something failed while running (a source could not be scanned, a port was taken, a bug). */
  runtimeError: 1,
  /**
   * The config or an input is invalid. A config, scenario, flag or `--out` path is found before
   * anything runs; a rejected departure list makes the scan revoke nothing. Either way nothing
   * was changed.
   */
  invalidInput: 2,
  /** Findings at or above `--fail-on`. */
  findings: 3,
  /** The revocation brake stopped (or would stop) every revocation of the run. */
  brake: 4,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the command line reports as its one line and its exit code. `lines` carries every
 * problem when there are several (a config with five mistakes prints five lines).
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly lines: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
