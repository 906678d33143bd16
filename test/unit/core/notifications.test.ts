import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../../lambdas/core/notifications.ts";
import {
  composeNotifications,
  MAX_CREDENTIALS_PER_TICKET,
  reopenedFindings,
  ticketKeyFor,
} from "../../../lambdas/core/notifications.ts";
import type { FindingHistory } from "../../../lambdas/core/ports/store.ts";
import {
  failedRevocation,
  item,
  NOW,
  person,
  threeKeysOfJane,
  verifiedRevocation,
} from "../notify/plan-items.ts";

const managerMessages = (messages: readonly ComposedMessage[]) =>
  messages.filter((m) => m.kind === "manager");

describe("composeNotifications: managers", () => {
  it("groups three keys of one departed person into one manager message", () => {
    // Prepare
    const items = threeKeysOfJane();

    // Act
    const { messages } = composeNotifications({
      items,
      mode: "enforce",
      accountNames: { "123456789012": "prod" },
    });

    // Assess
    const managers = managerMessages(messages);
    expect(managers).toHaveLength(1);
    const [message] = managers;
    expect(message?.audience).toEqual({ kind: "person", role: "manager", email: "boss@corp.example" });
    expect(message?.severity).toBe("critical");
    expect(message?.findingIds).toHaveLength(3);
    expect(message?.done).toEqual([
      "Revoked access-key AKIAJANE000000000001 of jane.doe (aws-iam) (verified).",
    ]);
    expect(message?.needsHuman.join("\n")).toContain("Revocation FAILED for access-key AKIAJANE000000000002");
    expect(message?.needsHuman.join("\n")).toContain(
      "AKIAJANE000000000003 of jane.doe (aws-iam): held by the revocation brake",
    );
    expect(message?.title).toBe("Credentials of Jane Doe <jane.doe@corp.example> in prod (123456789012)");
  });

  it("tells a revocation once when two findings share the credential", () => {
    // Prepare: a key used after departure and still active: two findings, one revocation.
    const key = { nativeId: "AKIADANA000000000001" };
    const items = [
      item({
        ruleId: "used-after-departure",
        severity: "critical",
        credential: key,
        actions: verifiedRevocation(),
      }),
      item({ credential: key, actions: verifiedRevocation() }),
    ];

    // Act
    const [message] = managerMessages(composeNotifications({ items, mode: "enforce" }).messages);

    // Assess
    expect(message?.done).toHaveLength(1);
    expect(message?.summary).toContain("1 credential in");
    expect(message?.findingIds).toHaveLength(2);
  });

  it("sends one message per person × account", () => {
    // Prepare
    const items = [
      item({ credential: { nativeId: "AKIA1", account: "111111111111" } }),
      item({ credential: { nativeId: "AKIA2", account: "222222222222" } }),
      item({
        credential: { nativeId: "AKIA3", account: "111111111111" },
        person: person({ employeeId: "E200" }),
      }),
    ];

    // Act
    const { messages } = composeNotifications({ items, mode: "report" });

    // Assess
    expect(managerMessages(messages)).toHaveLength(3);
  });

  it("falls back to the security channel, saying why, when the person has no manager", () => {
    // Prepare
    const items = [item({ person: person({ managerEmail: undefined }) })];

    // Act
    const { messages } = composeNotifications({ items, mode: "enforce" });

    // Assess
    expect(managerMessages(messages)[0]?.audience).toEqual({
      kind: "security-channel",
      reason: "No manager is on record for Jane Doe <jane.doe@corp.example>.",
    });
  });

  it("asks the manager to confirm weak matches and says what report mode would do", () => {
    // Prepare
    const items = [item({ strength: "weak", actions: [{ type: "revoke", status: "planned", detail: "x" }] })];

    // Act
    const { messages } = composeNotifications({ items, mode: "report" });

    // Assess
    const needs = managerMessages(messages)[0]?.needsHuman.join("\n") ?? "";
    expect(needs).toContain("Would revoke");
    expect(needs).toContain("report mode");
    expect(needs).toContain("Weak match");
  });
});

describe("composeNotifications: idempotency keys", () => {
  it("gives the same keys for the same state in any order, and other keys when a status changes", () => {
    // Prepare
    const items = threeKeysOfJane();
    const changed = [...items];
    changed[1] = item({ credential: { nativeId: "AKIAJANE000000000002" }, actions: verifiedRevocation() });

    // Act
    const first = composeNotifications({ items, mode: "enforce" });
    const reordered = composeNotifications({ items: [...items].reverse(), mode: "enforce" });
    const reworded = composeNotifications({
      items: items.map((i) => ({
        ...i,
        finding: { ...i.finding, summary: `${i.finding.summary} (47 days)` },
      })),
      mode: "enforce",
    });
    const after = composeNotifications({ items: changed, mode: "enforce" });

    // Assess
    const keys = (c: typeof first) => c.messages.map((m) => m.key).sort();
    expect(keys(reordered)).toEqual(keys(first));
    expect(keys(reworded)).toEqual(keys(first));
    expect(managerMessages(after.messages)[0]?.key).not.toBe(managerMessages(first.messages)[0]?.key);
  });

  it("keys do not depend on the order of the items (property)", () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          [
            ...threeKeysOfJane(),
            item({
              ruleId: "unused-credential",
              person: null,
              action: "notify",
              credential: { nativeId: "AKIAOWN1" },
            }),
            item({
              ruleId: "used-after-departure",
              severity: "critical",
              credential: { nativeId: "AKIAINC1" },
            }),
          ],
          { minLength: 1 },
        ),
        (subset) => {
          const a = composeNotifications({ items: subset, mode: "enforce" });
          const b = composeNotifications({ items: [...subset].reverse(), mode: "enforce" });
          expect(b.messages.map((m) => m.key)).toEqual(a.messages.map((m) => m.key));
          expect(b.tickets.map((t) => `${t.key}:${t.revision}`)).toEqual(
            a.tickets.map((t) => `${t.key}:${t.revision}`),
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("composeNotifications: owners and digest", () => {
  it("groups hygiene findings of people still here per owner × account", () => {
    // Prepare
    const owner = (nativeId: string, email: string, ruleId: "unused-credential" | "unrotated-access-key") =>
      item({
        ruleId,
        person: null,
        action: "notify",
        severity: "medium",
        credential: {
          nativeId,
          principal: email.split("@")[0],
          ownerHints: { employeeIds: [], emails: [email], usernames: [], tags: {} },
        },
      });
    const items = [
      owner("AKIAA1", "amy@corp.example", "unused-credential"),
      owner("AKIAA2", "amy@corp.example", "unrotated-access-key"),
      owner("AKIAB1", "bob@corp.example", "unused-credential"),
    ];

    // Act
    const { messages } = composeNotifications({ items, mode: "enforce" });

    // Assess
    const owners = messages.filter((m) => m.kind === "owner");
    expect(owners.map((m) => (m.audience.kind === "person" ? m.audience.email : "")).sort()).toEqual([
      "amy@corp.example",
      "bob@corp.example",
    ]);
    expect(owners.find((m) => m.findingIds.length === 2)?.needsHuman.join("\n")).toContain("Rotate it");
  });

  it("puts incidents first in one digest per run with counts by severity and action", () => {
    // Prepare
    const items = [
      ...threeKeysOfJane(),
      item({
        ruleId: "used-after-departure",
        severity: "critical",
        credential: { nativeId: "AKIAINCIDENT0000001" },
        summary: "Used 2026-05-31 from 203.0.113.9 after the departure.",
      }),
    ];

    // Act
    const { messages } = composeNotifications({
      items,
      mode: "enforce",
      reportUrl: "https://reports.example/r/1",
    });

    // Assess
    const digests = messages.filter((m) => m.kind === "digest");
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest.audience).toEqual({ kind: "security-channel" });
    expect(digest.incident).toBe(true);
    expect(digest.title).toMatch(/^1 incident, /);
    expect(digest.sections[0]?.title).toContain("Incidents (1)");
    expect(digest.sections[0]?.lines[0]).toContain("AKIAINCIDENT0000001");
    expect(digest.fields.find((f) => f.label === "By severity")?.value).toBe("critical: 2, high: 2");
    expect(digest.fields.find((f) => f.label === "By action")?.value).toBe("held-by-brake: 1, revoke: 3");
    expect(digest.reportUrl).toBe("https://reports.example/r/1");
  });

  it("composes nothing for a run with nothing to say", () => {
    expect(composeNotifications({ items: [item({ action: "ignore" })], mode: "enforce" }).messages).toEqual(
      [],
    );
  });
});

describe("composeNotifications: tickets", () => {
  it("makes one ticket per person × account for ticketed findings and incidents, with a stable key", () => {
    // Prepare
    const jane = person();
    const items = [
      item({
        action: "ticket",
        credential: { nativeId: "AKIASVC1", principal: "svc-deploy", principalType: "service" },
      }),
      item({ ruleId: "used-after-departure", severity: "critical", credential: { nativeId: "AKIAINC1" } }),
      item({ action: "revoke", credential: { nativeId: "AKIAREV1" }, actions: failedRevocation() }),
    ];

    // Act
    const { tickets, messages } = composeNotifications({ items, mode: "enforce" });

    // Assess
    expect(tickets).toHaveLength(1);
    const ticket = tickets[0]!;
    expect(ticket.key).toBe(ticketKeyFor(`employee:${jane.employeeId}`, "123456789012"));
    expect(ticket.key).toMatch(/^iam-hygiene-[0-9a-f]{16}$/);
    expect(ticket.incident).toBe(true);
    expect(ticket.credentials.map((c) => c.nativeId)).toEqual(["AKIAINC1", "AKIASVC1"]);
    expect(ticket.credentials.find((c) => c.nativeId === "AKIASVC1")?.whatToDo).toContain(
      "Transfer ownership",
    );
    expect(managerMessages(messages)[0]?.ticketKeys).toEqual([ticket.key]);
  });

  it("gives a finding that came back after its resolution new message keys and a new ticket revision", () => {
    // Prepare: the same items, once as first seen and once after the store resolved them and
    // they came back (a departed person's key re-enabled days after its ticket was closed).
    const items = [...threeKeysOfJane(), item({ action: "ticket", credential: { nativeId: "AKIATICKET1" } })];
    const history = (findingId: string, comebacks: number): FindingHistory => ({
      findingId,
      ruleId: "departed-owner-active-credential",
      severity: "high",
      status: "open",
      firstSeen: NOW,
      lastSeen: NOW,
      changes: [
        { at: NOW, from: null, to: "open", scanId: "s1" },
        ...Array.from({ length: comebacks }, (_, i) => [
          { at: NOW, from: "open" as const, to: "resolved" as const, scanId: `r${i}` },
          { at: NOW, from: "resolved" as const, to: "open" as const, scanId: `b${i}` },
        ]).flat(),
      ],
      actions: [],
    });

    // Act
    const first = composeNotifications({ items, mode: "enforce" });
    const none = composeNotifications({
      items,
      mode: "enforce",
      reopened: reopenedFindings(items.map((i) => history(i.finding.id, 0))),
    });
    const back = composeNotifications({
      items,
      mode: "enforce",
      reopened: reopenedFindings([history(items[0]!.finding.id, 1), history(items[3]!.finding.id, 1)]),
    });
    const backAgain = composeNotifications({
      items,
      mode: "enforce",
      reopened: reopenedFindings([history(items[0]!.finding.id, 2), history(items[3]!.finding.id, 2)]),
    });

    // Assess: never reopened, nothing changes; each comeback is a new episode.
    const keys = (c: typeof first) => c.messages.map((m) => m.key);
    expect(keys(none)).toEqual(keys(first));
    expect(none.tickets.map((t) => t.revision)).toEqual(first.tickets.map((t) => t.revision));
    expect(keys(back).some((k) => keys(first).includes(k))).toBe(false);
    expect(back.tickets.map((t) => t.key)).toEqual(first.tickets.map((t) => t.key));
    expect(back.tickets.map((t) => t.revision)).not.toEqual(first.tickets.map((t) => t.revision));
    expect(keys(backAgain).some((k) => keys(back).includes(k))).toBe(false);
    expect(first.tickets).toHaveLength(1);
  });

  it("lists at most MAX_CREDENTIALS_PER_TICKET credentials in a ticket, the most severe first, and counts the rest", () => {
    // Prepare
    const items = Array.from({ length: MAX_CREDENTIALS_PER_TICKET + 4 }, (_, i) =>
      item({
        action: "ticket",
        severity: i === MAX_CREDENTIALS_PER_TICKET + 3 ? "critical" : "low",
        credential: { nativeId: `AKIA${String(i).padStart(16, "0")}` },
      }),
    );

    // Act
    const [ticket] = composeNotifications({ items, mode: "enforce" }).tickets;

    // Assess
    expect(ticket!.credentials).toHaveLength(MAX_CREDENTIALS_PER_TICKET);
    expect(ticket!.credentials[0]!.severity).toBe("critical");
    expect(ticket!.moreCredentials).toBe(4);
    expect(ticket!.findingIds).toHaveLength(MAX_CREDENTIALS_PER_TICKET + 4);
    expect(composeNotifications({ items: items.slice(0, 3), mode: "enforce" }).tickets[0]).not.toHaveProperty(
      "moreCredentials",
    );
  });

  it("changes the revision, not the key, when the ticket's findings change", () => {
    // Prepare
    const one = [item({ action: "ticket", credential: { nativeId: "AKIA1" } })];
    const two = [...one, item({ action: "ticket", credential: { nativeId: "AKIA2" } })];

    // Act
    const [a] = composeNotifications({ items: one, mode: "enforce" }).tickets;
    const [b] = composeNotifications({ items: two, mode: "enforce" }).tickets;

    // Assess
    expect(b?.key).toBe(a?.key);
    expect(b?.revision).not.toBe(a?.revision);
  });

  it("resolves a ticket only when all its findings are resolved", () => {
    // Prepare
    const open = item({ action: "ticket", credential: { nativeId: "AKIA1" } });
    const groupKey = ticketKeyFor("employee:E100", "123456789012");
    const history = (findingId: string, ticketKey?: string): FindingHistory => ({
      findingId,
      ruleId: "departed-owner-active-credential",
      severity: "high",
      status: "resolved",
      firstSeen: NOW,
      lastSeen: NOW,
      changes: [],
      actions: [],
      ...(ticketKey !== undefined ? { ticketKey } : {}),
    });

    // Act
    const partly = composeNotifications({
      items: [open],
      mode: "enforce",
      resolved: [history("gone-1", groupKey)],
    });
    const fully = composeNotifications({
      items: [],
      mode: "enforce",
      resolved: [history("gone-1", groupKey), history(open.finding.id, groupKey), history("never-ticketed")],
    });

    // Assess
    expect(partly.resolutions).toEqual([]);
    expect(fully.resolutions).toHaveLength(1);
    expect(fully.resolutions[0]?.key).toBe(groupKey);
    expect(fully.resolutions[0]?.findingIds).toEqual([open.finding.id, "gone-1"].sort());
  });
});
