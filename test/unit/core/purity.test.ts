import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = join(import.meta.dirname, "../../../lambdas/core");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the core is pure", () => {
  it("never reads the clock, the environment, or an outside-world library", () => {
    const offenders: string[] = [];
    for (const file of files(CORE)) {
      const text = readFileSync(file, "utf8");
      const patterns = [
        /Date\.now\(/,
        /new Date\(\)/,
        /process\.env/,
        /from "@aws-sdk\//,
        /from "@middy\//,
        /from "aws-lambda"/,
        /from "node:(fs|http|https|net|child_process)"/,
      ];
      for (const pattern of patterns) if (pattern.test(text)) offenders.push(`${file}: ${pattern}`);
    }
    expect(offenders).toEqual([]);
    expect(files(CORE).length).toBeGreaterThan(10);
  });
});
