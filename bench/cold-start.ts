/**
 * B4: the Lambda handlers built exactly as deployed (`bundleLambdas` from `lib/bundle.ts`: one
 * esbuild code-split ESM build, entries at the root, shared and on-demand code in `chunks/`),
 * what each loads at import (its static closure) and at most (everything reachable), and the time
 * a fresh `node` process takes to import it (median of `runs`), with `IAM_HYGIENE_CONFIG` unset so
 * importing runs no scan.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { bundleLambdas } from "../lib/bundle.ts";
import { LAMBDA_ENTRIES } from "../lib/function-defaults.ts";
import { median } from "./support.ts";

const run = promisify(execFile);

/** Size of one B4 run. */
export interface ColdStartBenchSize {
  /** Imports per bundle, each in a fresh process. */
  readonly runs: number;
  /** Which handlers. @default all of `LAMBDA_ENTRIES` */
  readonly entries?: ReadonlyArray<keyof typeof LAMBDA_ENTRIES>;
}

/** One bundle's figures. */
export interface BundleFigures {
  readonly name: string;
  readonly entry: string;
  /** What importing the entry loads: the entry file and its static imports. */
  readonly bytes: number;
  readonly kib: number;
  /** Everything the entry can ever load, on-demand chunks included. */
  readonly totalBytes: number;
  readonly sourceMapBytes: number;
  readonly buildMs: number;
  /** Import times of each run, ms. */
  readonly importMs: readonly number[];
  readonly importMedianMs: number;
  /** Spawn to exit of the whole importing process (Node.js start included), median, ms. */
  readonly processMedianMs: number;
}

/** The figures of one B4 run. */
export interface ColdStartBenchFigures {
  readonly runs: number;
  readonly bundles: readonly BundleFigures[];
}

// Times only the dynamic import, inside a fresh process; prints the milliseconds.
const IMPORTER = `
const { performance } = await import("node:perf_hooks");
const url = process.argv[1];
const t = performance.now();
await import(url);
console.log(JSON.stringify({ ms: performance.now() - t }));
`;

async function importOnce(
  bundleUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; wallMs: number }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", IMPORTER, bundleUrl], {
    env,
    timeout: 60_000,
  });
  const wallMs = performance.now() - started;
  return { ms: (JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { ms: number }).ms, wallMs };
}

/** Bundles the handlers, weighs them and times their import. */
export async function runColdStartBench(size: ColdStartBenchSize): Promise<ColdStartBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), "iam-hygiene-bench-b4-"));
  // A Lambda environment without a configuration: importing must not run anything.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "bench",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: "iam-hygiene",
  };
  try {
    const names = new Set(
      size.entries ?? (Object.keys(LAMBDA_ENTRIES) as Array<keyof typeof LAMBDA_ENTRIES>),
    );
    const started = performance.now();
    const built = bundleLambdas(dir);
    const buildMs = performance.now() - started;
    const bundles: BundleFigures[] = [];
    for (const lambda of built.filter((b) => names.has(b.name))) {
      const importMs: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < size.runs; i++) {
        const once = await importOnce(pathToFileURL(lambda.file).href, env);
        importMs.push(once.ms);
        wall.push(once.wallMs);
      }
      bundles.push({
        name: lambda.name,
        entry: lambda.entry,
        bytes: lambda.staticClosureBytes,
        kib: Math.round((lambda.staticClosureBytes / 1024) * 10) / 10,
        totalBytes: lambda.totalBytes,
        sourceMapBytes: existsSync(`${lambda.file}.map`) ? statSync(`${lambda.file}.map`).size : 0,
        // One build serves every function, as deployed.
        buildMs,
        importMs,
        importMedianMs: median(importMs),
        processMedianMs: median(wall),
      });
    }
    return { runs: size.runs, bundles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
