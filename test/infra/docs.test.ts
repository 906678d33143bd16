/** docs/deploy.md's permission table is generated from the action lists; it must not drift. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderPermissionTable } from "../../lib/permissions.ts";

const DEPLOY_MD = new URL("../../docs/deploy.md", import.meta.url);

describe("docs/deploy.md", () => {
  it("lists the scan function's permissions exactly as the code grants them", () => {
    // Prepare
    const text = readFileSync(DEPLOY_MD, "utf8");
    // Act
    const block = /<!-- permissions:start[^>]*-->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(text)?.[1];
    // Assess
    expect(block, "regenerate with renderPermissionTable() from lib/permissions.ts").toBe(
      renderPermissionTable(),
    );
  });
});
