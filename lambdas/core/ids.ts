import { createHash } from "node:crypto";

/** A short, stable id from its parts: the same parts give the same id on every run. */
export function stableId(prefix: string, ...parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  return `${prefix}-${hash.digest("hex").slice(0, 20)}`;
}
