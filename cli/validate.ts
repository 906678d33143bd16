/**
 * `iam-hygiene validate`: checks a config file and a departure list without scanning anything,
 * so a CI job or an HR export script can refuse a bad file before it reaches a scan.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Config } from "../lambdas/config.ts";
import { parseDepartureList } from "../lambdas/departures/parse.ts";
import { checkConfigText, formatConfigProblem, resolveConfigPath } from "./config-file.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import type { CommandIo } from "./io.ts";

/** Options of `validate`. */
export interface ValidateOptions {
  readonly config?: string;
  readonly departures?: string;
}

/** Prints every problem (file:line: field: message) to stderr, a verdict per file to stdout. */
export async function validateCommand(options: ValidateOptions, io: CommandIo): Promise<ExitCode> {
  let ok = true;
  let config: Config | undefined;
  let configPath: string | undefined;

  const explicit = resolveConfigPath(options.config, io.cwd);
  if (explicit === undefined) {
    io.stdout.write("config: none found (iam-hygiene.json or .jsonc); the defaults apply\n");
  } else {
    configPath = explicit;
    const text = await readText(explicit);
    if (typeof text !== "string") {
      io.stderr.write(`${explicit}: (file): cannot be read (${text.code})\n`);
      ok = false;
    } else {
      const checked = checkConfigText(text, explicit);
      if (checked.config) {
        config = checked.config;
        io.stdout.write(`config ${explicit}: ok (mode ${config.mode})\n`);
      } else {
        ok = false;
        for (const problem of checked.problems) io.stderr.write(`${formatConfigProblem(problem)}\n`);
        io.stdout.write(`config ${explicit}: ${checked.problems.length} problem(s)\n`);
      }
    }
  }

  // The list named on the command line, else the file the config names.
  const configured = config?.departures.source;
  const departuresPath =
    options.departures !== undefined
      ? resolve(io.cwd, options.departures)
      : configured?.type === "file"
        ? resolve(configPath ? resolve(configPath, "..") : io.cwd, configured.path)
        : undefined;
  if (departuresPath !== undefined) {
    const bytes = await readBytes(departuresPath);
    if (!(bytes instanceof Uint8Array)) {
      io.stderr.write(`${departuresPath}: (file): cannot be read (${bytes.code})\n`);
      ok = false;
    } else {
      const list = parseDepartureList(bytes, {
        origin: departuresPath,
        fileName: departuresPath,
        timeZone: config?.departures.timeZone ?? "UTC",
        lenient: config?.departures.lenient ?? false,
      });
      for (const error of list.errors) {
        const where = error.line > 0 ? `${departuresPath}:${error.line}` : departuresPath;
        io.stderr.write(`${where}: ${error.field ?? "(row)"}: ${error.message}\n`);
      }
      if (list.rejected) {
        ok = false;
        io.stdout.write(`departures ${departuresPath}: rejected: ${list.rejectionReason ?? "invalid"}\n`);
      } else {
        const skipped =
          list.errors.length > 0 ? `, ${list.errors.length} invalid row(s) skipped (lenient)` : "";
        io.stdout.write(
          `departures ${departuresPath}: ok (${list.people.length} people from ${list.rowCount} rows${skipped})\n`,
        );
      }
    }
  } else if (configured && configured.type !== "file") {
    io.stdout.write(`departures: ${configured.type} source is read at scan time, not checked here\n`);
  }
  return ok ? EXIT.ok : EXIT.invalidInput;
}

/** The failure's errno code (`ENOENT`, `EACCES`), the part a person acts on. */
interface Unreadable {
  readonly code: string;
}

function unreadable(error: unknown): Unreadable {
  return { code: (error as NodeJS.ErrnoException).code ?? String(error) };
}

async function readText(path: string): Promise<string | Unreadable> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    return unreadable(error);
  }
}

async function readBytes(path: string): Promise<Uint8Array | Unreadable> {
  try {
    return await readFile(path);
  } catch (error) {
    return unreadable(error);
  }
}
