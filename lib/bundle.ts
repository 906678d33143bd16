/**
 * The one build of the Lambda code: every handler in a single esbuild run with code splitting
 * (ESM, minified, source maps). Each handler is an entry file at the root of the output
 * (`scheduled-scan.mjs`, ...); what they share, and what they load only on demand with
 * `import()` (the Okta, Google and GitHub connectors, Slack and tickets, reports, the AWS SDK
 * clients a config does not use), is in `chunks/`. A function therefore parses at cold start
 * only its entry's static-import closure, not the whole bundle.
 *
 * The CDK construct deploys exactly this output (`lambdaCode()`), and benchmarks measure it
 * (`bundleLambdas()`), so the figures in docs/deploy.md are those of what is deployed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { AssetHashType, DockerImage } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { type BuildOptions, buildSync, type Metafile } from "esbuild";

/** The repository root: entry points are found from here, wherever `cdk` runs. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The Lambda entry points, relative to the project root. */
export const LAMBDA_ENTRIES = {
  scheduledScan: "lambdas/handlers/scheduled-scan.ts",
  hrWebhook: "lambdas/handlers/hr-webhook.ts",
  orgAccountScan: "lambdas/handlers/org-account-scan.ts",
} as const;

/** A key of `LAMBDA_ENTRIES`. */
export type LambdaEntryName = keyof typeof LAMBDA_ENTRIES;

/**
 * ESM bundles need `require` for the few CommonJS dependencies that call it (e.g. through
 * `jira.js` or the Okta SDK); esbuild's documented workaround is this banner. With splitting
 * it heads every output file, each of which is its own module scope.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __iamHygieneCreateRequire } from 'node:module';" +
  "const require = __iamHygieneCreateRequire(import.meta.url);";

/** What `bundleLambdas` built for one handler. */
export interface BundledLambda {
  /** The `LAMBDA_ENTRIES` key. */
  readonly name: LambdaEntryName;
  /** The source entry point, relative to the project root. */
  readonly entry: string;
  /** The Lambda `handler` setting, e.g. `scheduled-scan.handler`. */
  readonly handler: string;
  /** Absolute path of the built entry file (`<outdir>/scheduled-scan.mjs`). */
  readonly file: string;
  /** Bytes of JavaScript Node.js loads when the entry is imported: the entry and its static imports. */
  readonly staticClosureBytes: number;
  /** Bytes of JavaScript the entry can ever load: its static closure plus every `import()` it can reach. */
  readonly totalBytes: number;
}

/**
 * Packages bundled on their own into `node_modules/<name>/` of the asset instead of into the
 * split build. jira.js imports zod as `{ z }`, the whole namespace with every locale; esbuild
 * assigns code to chunks file by file, so inside the split build those 350 KiB of zod would
 * join the shared chunk every function loads at cold start. Vendored, jira.js carries its own
 * zod copy, loaded only when Jira tickets are configured; Node.js finds it by the usual
 * `node_modules` lookup from the chunk that imports it.
 */
const VENDORED_PACKAGES = ["jira.js"] as const;

/** Settings shared by the split build and the vendored packages. */
const COMMON: BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  mainFields: ["module", "main"],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  absWorkingDir: PROJECT_ROOT,
  logLevel: "error",
};

/** Output file name (without extension) of each handler: its source file's name. */
function outputName(entry: string): string {
  return basename(entry, ".ts");
}

/**
 * Builds every handler into `outdir` with code splitting, exactly as deployed: entry files at
 * the root, shared and lazily loaded code in `chunks/`, a `.map` next to each file. Synchronous
 * because CDK's local bundling is. Returns, per handler, what it loads at import and at most.
 */
export function bundleLambdas(outdir: string): BundledLambda[] {
  mkdirSync(outdir, { recursive: true });
  const entryPoints = Object.fromEntries(
    Object.values(LAMBDA_ENTRIES).map((entry) => [outputName(entry), join(PROJECT_ROOT, entry)]),
  );
  const result = buildSync({
    ...COMMON,
    entryPoints,
    outdir,
    splitting: true,
    // Stable names, so an unchanged handler keeps its file (and the asset its hash).
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    // The AWS SDK is bundled, not taken from the runtime: see docs/deploy.md, "Bundles".
    external: [...VENDORED_PACKAGES],
    metafile: true,
  });
  const outputs = result.metafile.outputs;
  const vendored = new Map(VENDORED_PACKAGES.map((name) => [name, vendor(name, outdir, outputs)]));
  return (Object.keys(LAMBDA_ENTRIES) as LambdaEntryName[]).map((name) => {
    const entry = LAMBDA_ENTRIES[name];
    const file = join(outdir, `${outputName(entry)}.mjs`);
    const key = relative(PROJECT_ROOT, file);
    return {
      name,
      entry,
      handler: `${outputName(entry)}.handler`,
      file,
      staticClosureBytes: closureBytes(outputs, vendored, key, false),
      totalBytes: closureBytes(outputs, vendored, key, true),
    };
  });
}

/**
 * Bundles `name` alone into `<outdir>/node_modules/<name>/index.mjs`, exporting what the split
 * build's output imports from it (read from the output, so a new import cannot go missing).
 * Returns the bytes written.
 */
function vendor(name: string, outdir: string, outputs: Metafile["outputs"]): number {
  const names = new Set<string>();
  let everything = false;
  const quoted = JSON.stringify(name).replace(/[.]/g, "\\.");
  const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${quoted}`, "g");
  for (const [path, output] of Object.entries(outputs)) {
    if (!output.imports.some((i) => i.external && i.path === name)) continue;
    const code = readFileSync(join(PROJECT_ROOT, path), "utf8");
    const found = [...code.matchAll(named)];
    // Anything but named imports (a namespace, a default, a dynamic import): export it all.
    if (found.length < code.split(JSON.stringify(name)).length - 1) everything = true;
    for (const match of found) {
      for (const spec of (match[1] ?? "").split(",")) {
        const imported = spec.trim().split(/\s+as\s+/)[0];
        if (imported) names.add(imported);
      }
    }
  }
  const dir = join(outdir, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  const contents = everything
    ? `export * from ${JSON.stringify(name)};`
    : `export { ${[...names].sort().join(", ")} } from ${JSON.stringify(name)};`;
  const result = buildSync({
    ...COMMON,
    stdin: { contents, resolveDir: PROJECT_ROOT, loader: "js", sourcefile: `vendor-${name}.js` },
    outfile: join(dir, "index.mjs"),
    metafile: true,
  });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name, type: "module", exports: "./index.mjs" })}\n`,
  );
  return Object.entries(result.metafile.outputs)
    .filter(([path]) => path.endsWith(".mjs"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

/**
 * Sum of the output files reachable from `start`, through static imports only or also
 * `import()`, vendored packages included.
 */
function closureBytes(
  outputs: Metafile["outputs"],
  vendored: ReadonlyMap<string, number>,
  start: string,
  dynamic: boolean,
): number {
  const seen = new Set<string>();
  const pending = [start];
  let bytes = 0;
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const output = outputs[path];
    if (seen.has(path) || !output) continue;
    seen.add(path);
    bytes += output.bytes;
    for (const imported of output.imports) {
      if (imported.kind !== "import-statement" && !(dynamic && imported.kind === "dynamic-import")) continue;
      if (!imported.external) pending.push(imported.path);
      else if (vendored.has(imported.path) && !seen.has(imported.path)) {
        seen.add(imported.path);
        bytes += vendored.get(imported.path) ?? 0;
      }
    }
  }
  return bytes;
}

/**
 * The deployed code of every iam-hygiene function: one asset holding all handlers, built
 * locally with esbuild at synth time. Every function gets the same asset (CDK stages it once
 * per synth: same options, same cache key) and its own `handler` (`handlerOf`).
 *
 * The Docker image is required by the bundling API but never used: local bundling always
 * succeeds (esbuild is a dependency of this project) or throws, so synth never needs Docker.
 */
export function lambdaCode(): lambda.AssetCode {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    // Hash the built output: unrelated files in the repository do not change the asset.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("public.ecr.aws/sam/build-nodejs22.x"),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleLambdas(outputDir);
          return true;
        },
      },
    },
  });
}

/** The Lambda `handler` setting of an entry point, e.g. `scheduled-scan.handler`. */
export function handlerOf(entry: string): string {
  return `${outputName(entry)}.handler`;
}
