/**
 * Finding, reading and validating the configuration file for the command line. Every problem
 * comes back as one line naming the file, the line and the field, so a person can fix all of
 * them in one pass.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Config, ConfigError, parseConfigText, stripComments } from "../lambdas/config.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { indexJsonLines, lineOf, syntaxErrorLine } from "./json-locate.ts";

/** Replaces `departures.source` with a local file (`--departures`), resolved against `cwd`. */
export function withDepartureFile(config: Config, path: string | undefined, cwd = process.cwd()): Config {
  if (path === undefined) return config;
  return {
    ...config,
    departures: { ...config.departures, source: { type: "file", path: resolve(cwd, path) } },
  };
}

/** The file names looked for in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILES = ["iam-hygiene.json", "iam-hygiene.jsonc"] as const;

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  readonly config: Config;
  /** Absolute path of the file, absent when the defaults (`{}`) were used. */
  readonly path?: string;
}

/** One problem in a config file, ready to print. */
export interface ConfigFileProblem {
  readonly file: string;
  readonly line?: number;
  /** The dotted path of the field (`brake.maxRevocationsPerRun`); empty for the whole file. */
  readonly field: string;
  readonly message: string;
}

/** `iam-hygiene.json:14: brake.maxRevocationsPerRun: expected number, received string` */
export function formatConfigProblem(problem: ConfigFileProblem): string {
  const where = problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.file;
  return `${where}: ${problem.field || "(file)"}: ${problem.message}`;
}

/** The config file to use: `--config` when given, else the first default file present in `cwd`. */
export function resolveConfigPath(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) return resolve(cwd, explicit);
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Parses config text, turning a `ConfigError` into problems with line numbers.
 * Returns the config or every problem found.
 */
export function checkConfigText(
  text: string,
  file: string,
): { config: Config; problems: [] } | { config?: undefined; problems: ConfigFileProblem[] } {
  try {
    return { config: parseConfigText(text, file), problems: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const stripped = stripComments(text);
    const lines = indexJsonLines(stripped);
    return {
      problems: error.problems.map((p) => {
        const line = p.path === "" ? syntaxErrorLine(stripped, p.message) : lineOf(lines, p.path);
        return { file, field: p.path, message: p.message, ...(line !== undefined ? { line } : {}) };
      }),
    };
  }
}

/**
 * Loads the configuration the command line runs with. No file: the defaults (`{}`: a report-mode
 * IAM scan). Throws `CliError` (exit 2) listing every problem.
 */
export async function loadConfig(explicit: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
  const path = resolveConfigPath(explicit, cwd);
  if (path === undefined) return { config: parseConfigText("{}", "defaults") };
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CliError(`config file ${path} cannot be read (${code})`, EXIT.invalidInput, [], {
      cause: error,
    });
  }
  const checked = checkConfigText(text, path);
  if (checked.config) return { config: checked.config, path };
  const count = checked.problems.length;
  throw new CliError(
    `config file ${path} is invalid (${count} problem${count === 1 ? "" : "s"}); nothing was changed`,
    EXIT.invalidInput,
    checked.problems.map(formatConfigProblem),
  );
}
