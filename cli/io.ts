/**
 * What a command reads and writes, passed in rather than taken from `process`, so commands
 * are plain functions and the exit code is decided in one place (`bin/iam-hygiene.ts`).
 */

/** A writable text stream: `process.stdout` or `process.stderr`. */
export interface TextOut {
  write(text: string): unknown;
  /** True on a terminal. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The process a command runs in. */
export interface CommandIo {
  readonly stdout: TextOut;
  readonly stderr: TextOut;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The real process. */
export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
