/**
 * B4: each Lambda handler bundled with esbuild the way the CDK construct does
 * (`lib/function-defaults.ts`: ESM, minified, platform node, target node22, `mainFields`
 * module/main, the `require` banner, linked source map, nothing external: the SDK is bundled),
 * its size, and the time a fresh `node` process takes to import it (median of `runs`), with
 * `IAM_HYGIENE_CONFIG` unset so importing runs no scan.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build, type Metafile } from "esbuild";
import { ESM_REQUIRE_BANNER, LAMBDA_ENTRIES } from "../lib/function-defaults.ts";
import { median } from "./support.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

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
  readonly bytes: number;
  readonly kib: number;
  readonly sourceMapBytes: number;
  readonly buildMs: number;
  /** Import times of each run, ms. */
  readonly importMs: readonly number[];
  readonly importMedianMs: number;
  /** Spawn to exit of the whole importing process (Node.js start included), median, ms. */
  readonly processMedianMs: number;
  /** The largest contributors to the bundle, by package, in output bytes. */
  readonly topPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
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

/** Output bytes per package (`node_modules/<name>` or `(project)`), largest first. */
function packagesOf(metafile: Metafile, outfile: string): Array<{ name: string; bytes: number }> {
  // Output paths are relative to the working directory: match on the bundle's folder and name.
  const tail = outfile.split(/[\\/]/).slice(-2).join("/");
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(tail));
  const sizes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.[1].inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match?.[1] ?? "(project)";
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  return [...sizes]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
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
    const names = size.entries ?? (Object.keys(LAMBDA_ENTRIES) as Array<keyof typeof LAMBDA_ENTRIES>);
    const bundles: BundleFigures[] = [];
    for (const name of names) {
      const entry = LAMBDA_ENTRIES[name];
      const outfile = join(dir, name, "index.mjs");
      const started = performance.now();
      const result = await build({
        entryPoints: [join(ROOT, entry)],
        outfile,
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node22",
        mainFields: ["module", "main"],
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        banner: { js: ESM_REQUIRE_BANNER },
        logLevel: "silent",
        metafile: true,
        absWorkingDir: ROOT,
      });
      const buildMs = performance.now() - started;
      writeFileSync(join(dir, name, "package.json"), '{"type":"module"}\n');
      const url = pathToFileURL(outfile).href;
      const importMs: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < size.runs; i++) {
        const once = await importOnce(url, env);
        importMs.push(once.ms);
        wall.push(once.wallMs);
      }
      const bytes = statSync(outfile).size;
      bundles.push({
        name,
        entry,
        bytes,
        kib: Math.round((bytes / 1024) * 10) / 10,
        sourceMapBytes: statSync(`${outfile}.map`).size,
        buildMs,
        importMs,
        importMedianMs: median(importMs),
        processMedianMs: median(wall),
        topPackages: packagesOf(result.metafile, outfile),
      });
    }
    return { runs: size.runs, bundles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
