import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findingId } from "../../../../lambdas/core/evaluate.ts";
import type { Finding } from "../../../../lambdas/core/model.ts";
import { storeSignOutLedger } from "../../../../lambdas/sources/google-workspace/index.ts";
import { LocalDirectoryStore } from "../../../../lambdas/store/index.ts";
import { credential, NOW } from "../../../support/fixtures.ts";

describe("storeSignOutLedger", () => {
  it("remembers a sign-out recorded by an earlier run, and one made in this run", async () => {
    // Prepare: an earlier scan signed user 1001 out and recorded it on the finding.
    const store = new LocalDirectoryStore(mkdtempSync(join(tmpdir(), "ledger-")));
    const sessions = credential({
      id: "google-workspace:C0123:web-sessions:1001",
      source: "google-workspace",
      kind: "web-sessions",
      nativeId: "1001",
    });
    const finding: Finding = {
      id: findingId("departed-owner-active-credential", sessions.id),
      ruleId: "departed-owner-active-credential",
      severity: "high",
      title: "t",
      summary: "s",
      credential: sessions,
      evidence: {},
    };
    await store.observeFindings("scan-1", [{ finding, status: "open" }], NOW);
    const signedOut = new Date(NOW.getTime() + 60_000);
    await store.recordAction(finding.id, {
      type: "revoke",
      status: "done",
      detail: "users.signOut",
      at: signedOut,
    });

    // Act
    const ledger = storeSignOutLedger(store);
    const later = new Date(NOW.getTime() + 120_000);
    await ledger.recordSignOut("2002", later);

    // Assess
    expect(await ledger.lastSignOut("1001")).toEqual(signedOut);
    expect(await ledger.lastSignOut("2002")).toEqual(later);
    expect(await ledger.lastSignOut("3003")).toBeUndefined();
  });
});
