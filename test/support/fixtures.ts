/** Builders for domain fixtures: small, explicit, overridable. */
import type { Credential, Person } from "../../lambdas/core/model.ts";
import type { BrakeSettings } from "../../lambdas/core/plan.ts";
import type { PolicySettings } from "../../lambdas/core/policy.ts";
import type { RuleSettings } from "../../lambdas/core/rules/index.ts";

export const NOW = new Date("2026-06-01T12:00:00Z");

export function daysAgo(days: number, from = NOW): Date {
  return new Date(from.getTime() - days * 86_400_000);
}

export function person(overrides: Partial<Person> = {}): Person {
  return {
    employeeId: "E100",
    emails: ["jane.doe@corp.example"],
    aliases: [],
    displayName: "Jane Doe",
    departedAt: daysAgo(3),
    managerEmail: "boss@corp.example",
    ...overrides,
  };
}

export function credential(overrides: Partial<Credential> = {}): Credential {
  const nativeId = overrides.nativeId ?? "AKIAJANE000000000001";
  const kind = overrides.kind ?? "access-key";
  return {
    id: `aws-iam:123456789012:${kind}:${nativeId}`,
    source: "aws-iam",
    kind,
    nativeId,
    account: "123456789012",
    principal: "jane.doe",
    principalType: "human",
    ownerHints: { employeeIds: [], emails: ["jane.doe@corp.example"], usernames: [], tags: {} },
    createdAt: daysAgo(30),
    lastUsed: { at: daysAgo(5), service: "s3", region: "eu-west-1" },
    active: true,
    observedAt: NOW,
    ...overrides,
  };
}

export const ruleSettings: RuleSettings = { unusedDays: 45, neverUsedGraceDays: 7, unrotatedDays: 90 };

export const policySettings: PolicySettings = {
  actions: {},
  gracePeriodHours: 0,
  exceptions: [],
  protectedPrincipals: ["break-glass-*", "arn:aws:iam::*:role/iam-hygiene-*"],
};

export const brakeSettings: BrakeSettings = {
  maxRevocationsPerRun: 25,
  maxRevocationFraction: 0.1,
  minCredentialsForFraction: 20,
};

export const identitySettings = {
  domainAliases: { "corp.example": ["corp-example.com"] },
  usernameConventions: ["email-local-part", "first.last", "flast"] as const,
};
