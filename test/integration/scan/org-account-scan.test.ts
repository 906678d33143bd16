/**
 * The org account scan against two sandboxes: the security ("home") account holds the departure
 * list, the reports and the audit trail; the member account holds the departed person's IAM
 * user and the scanner role. A router on 127.0.0.1 sends each request to the account its
 * credentials belong to (the member role's session keys to the member sandbox, anything else
 * home), as AWS would: a client signed with the wrong account's credentials sees the wrong
 * account. The scan must read the list and write reports and audit at home, and revoke in the
 * member account only.
 */
import { mkdtempSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../lambdas/config.ts";
import { fixedClock } from "../../../lambdas/core/clock.ts";
import { MemberRoleError, orgAccountScanner } from "../../../lambdas/handlers/org-account-scan.ts";
import { runScan, type ScanReport } from "../../../lambdas/scan.ts";
import { createRuntime, type Runtime, scanDependencies } from "../../../lambdas/wiring.ts";
import { parseAuthorization } from "../../../sandbox/caller.ts";
import { type Sandbox, type Scenario, startSandbox } from "../../../sandbox/index.ts";

const NOW = new Date("2026-06-01T12:00:00Z");
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const HOME_ACCOUNT = "111111111111";
const MEMBER_ACCOUNT = "222222222222";
const ROLE_ARN = `arn:aws:iam::${MEMBER_ACCOUNT}:role/IamHygieneScanner`;
const BUCKET = "iam-hygiene-security-data";
const HOME_CREDENTIALS = { accessKeyId: "AKIAHOMEORGSCAN00001", secretAccessKey: "home-secret" };
const MEMBER_KEY = "AKIAJANEMEMBER000001";
/** A user pool that lives in the member account. */
const MEMBER_POOL = "us-east-1_MemberStaff1";
const HOME_KEY = "AKIAJANEHOME00000001";

/** Jane, who left ten days ago, with an active key in the account the scenario describes. */
function account(accountId: string, janeKey: string, extra: Partial<Scenario> = {}): Scenario {
  return {
    now: NOW.toISOString(),
    accountId,
    iam: {
      users: [
        {
          userName: "jane.doe",
          tags: { email: "jane.doe@corp.example" },
          createdAt: days(400),
          accessKeys: [{ id: janeKey, createdAt: days(200), lastUsedAt: days(20), lastUsedService: "s3" }],
        },
        {
          userName: "bob.smith",
          tags: { email: "bob.smith@corp.example" },
          createdAt: days(100),
          accessKeys: [{ id: `${janeKey.slice(0, 8)}BOB0000001`, createdAt: days(30), lastUsedAt: days(1) }],
        },
      ],
    },
    ...extra,
  } as Scenario;
}

const homeScenario = () =>
  account(HOME_ACCOUNT, HOME_KEY, {
    s3: {
      buckets: {
        [BUCKET]: {
          "departures/departures.csv": `email,employee_id,name,departed_at\njane.doe@corp.example,E100,Jane Doe,${days(10)}\n`,
        },
      },
    },
  });
const memberScenario = () =>
  account(MEMBER_ACCOUNT, MEMBER_KEY, {
    iam: { ...account("", MEMBER_KEY).iam, roles: [{ roleName: "IamHygieneScanner" }] },
  });

/** The member account with a staff user pool of its own, where Jane and Bob have users. */
function seedMemberPool(): void {
  member.seed({
    ...memberScenario(),
    cognito: {
      pools: [
        {
          id: MEMBER_POOL,
          name: "staff",
          users: [
            { username: "jane", attributes: { email: "jane.doe@corp.example" }, password: "Passw0rd!x" },
            { username: "bob", attributes: { email: "bob.smith@corp.example" }, password: "Passw0rd!x" },
          ],
        },
      ],
    },
  } as Scenario);
}

/** Forwards each request, unchanged, to the sandbox of the account its access key belongs to. */
async function startRouter(home: Sandbox, member: Sandbox): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    const key = parseAuthorization(req.headers.authorization)?.accessKeyId;
    const target = key && member.sts.sessions.has(key) ? member : home;
    const upstream = request(
      { host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let home: Sandbox;
let member: Sandbox;
let router: { endpoint: string; server: Server };
let sts: STSClient;
const savedEnv = { ...process.env };

beforeAll(async () => {
  home = await startSandbox({ scenario: homeScenario() });
  member = await startSandbox({ scenario: memberScenario() });
  router = await startRouter(home, member);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: router.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: HOME_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: HOME_CREDENTIALS.secretAccessKey,
  });
  // STS is global: the member account's role is assumed where it lives, with home credentials.
  sts = new STSClient({ endpoint: member.endpoint, region: "us-east-1", credentials: HOME_CREDENTIALS });
});

afterAll(async () => {
  process.env = savedEnv;
  sts?.destroy();
  router?.server.closeAllConnections();
  await new Promise((resolve) => router?.server.close(resolve));
  await home?.close();
  await member?.close();
});

beforeEach(() => {
  home.seed(homeScenario());
  member.seed(memberScenario());
  home.resetCalls();
  member.resetCalls();
});

/**
 * The security account's runtime, as the deployed function builds it (its config, store,
 * clients). With `cognito`, a pool of the security account: its own scan covers it, a
 * member-account scan must not. With `memberPool`, also a pool configured for the member account.
 */
function homeRuntime({
  cognito = true,
  memberPool = false,
  securityHub = false,
  minIdentitiesForShare = 20,
} = {}): Runtime {
  const config = parseConfig({
    mode: "enforce",
    departures: {
      source: { type: "s3", uri: `s3://${BUCKET}/departures/departures.csv` },
      minIdentitiesForShare,
    },
    store: { type: "local", dir: mkdtempSync(join(tmpdir(), "org-scan-store-")) },
    audit: { type: "s3", bucket: BUCKET, prefix: "audit/" },
    reports: { bucket: BUCKET, prefix: "reports/" },
    ...(securityHub ? { notifications: { securityHub: { enabled: true } } } : {}),
    sources: {
      "aws-iam": { reportPollMs: 0 },
      ...(cognito
        ? {
            "aws-cognito": {
              enabled: true,
              pools: [
                { userPoolId: "us-east-1_AbC123" },
                ...(memberPool ? [{ userPoolId: MEMBER_POOL, account: MEMBER_ACCOUNT }] : []),
              ],
            },
          }
        : {}),
    },
  });
  return createRuntime({ config, env: process.env, clock: fixedClock(NOW) });
}

describe("an org account scan", () => {
  it("reads the departure list at home and revokes in the member account only", async () => {
    // Prepare
    const runtime = homeRuntime();
    const scan = orgAccountScanner({ home: () => runtime, sts });
    // Act
    const report = await scan(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess: the list was read and accepted, so Jane's departure drove a revocation...
    expect(report.departures.rejected).toBe(false);
    expect(report.departures.people).toBe(1);
    expect(member.iam.accessKeys.get(MEMBER_KEY)?.status).toBe("Inactive");
    const revoked = report.plan.items.filter((i) =>
      i.actions.some((a) => a.type === "verify" && a.status === "verified"),
    );
    expect(revoked.map((i) => i.finding.credential?.nativeId)).toContain(MEMBER_KEY);
    expect(revoked.every((i) => i.finding.credential?.account === MEMBER_ACCOUNT)).toBe(true);
    // ...in the member account, not in the security account.
    expect(home.iam.accessKeys.get(HOME_KEY)?.status).toBe("Active");
    expect(Object.keys(home.calls()).filter((call) => /^(iam|cloudtrail):/.test(call))).toEqual([]);
    expect(Object.keys(member.calls()).filter((call) => call.startsWith("s3:"))).toEqual([]);
  });

  it("does not judge the company's departure list by one member account's share of it", async () => {
    // Prepare: the share check would count the member account's two users: Jane's departure
    // alone is 50% of them, over the 30% limit.
    const runtime = homeRuntime({ minIdentitiesForShare: 1 });
    const scan = orgAccountScanner({ home: () => runtime, sts });

    // Act
    const report = await scan(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );

    // Assess: the list stands, and Jane's key in the member account is revoked.
    expect(report.departures.rejected).toBe(false);
    expect(member.iam.accessKeys.get(MEMBER_KEY)?.status).toBe("Inactive");
  });

  it("writes its reports and audit trail in the security account", async () => {
    // Act
    const report = await orgAccountScanner({ home: homeRuntime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess
    const keys = [...(home.s3.buckets.get(BUCKET)?.keys() ?? [])];
    expect(keys.filter((k) => k.startsWith("reports/"))).toEqual([
      `reports/2026-06-01/${report.scanId}.json`,
      `reports/2026-06-01/${report.scanId}.html`,
    ]);
    expect(keys.some((k) => k.startsWith("audit/"))).toBe(true);
    expect(report.notes.some((n) => n.startsWith("publishing failed"))).toBe(false);
    expect(member.s3.buckets.size).toBe(0);
  });

  it("imports its findings into the member account's Security Hub, with the member role", async () => {
    // Prepare: Security Hub on. With the default product, Security Hub takes a finding only
    // from the account it names (AwsAccountId), and every finding here names the member account.
    const runtime = homeRuntime({ cognito: false, securityHub: true });
    // Act
    const report = await orgAccountScanner({ home: () => runtime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess: every finding imported, none failed...
    const imported = [...member.securityHub.findings.values()].map((f) => f.finding);
    expect(report.plan.items.length).toBeGreaterThan(0);
    expect(report.notes).toContain(
      `Security Hub: ${imported.length} of ${imported.length} finding(s) imported`,
    );
    expect(imported.length).toBeGreaterThanOrEqual(report.plan.items.length);
    // ...into the member account's own Security Hub, under its own default product...
    const product = `arn:aws:securityhub:us-east-1:${MEMBER_ACCOUNT}:product/${MEMBER_ACCOUNT}/default`;
    expect(new Set(imported.map((f) => f.AwsAccountId))).toEqual(new Set([MEMBER_ACCOUNT]));
    expect(new Set(imported.map((f) => f.ProductArn))).toEqual(new Set([product]));
    expect(imported.map((f) => f.GeneratorId)).toContain("iam-hygiene/departed-owner-active-credential");
    // ...called with the member role: the security account's Security Hub saw nothing.
    expect(member.calls()["securityhub:BatchImportFindings"]).toBeGreaterThan(0);
    expect(home.calls()["securityhub:BatchImportFindings"]).toBeUndefined();
    expect(home.securityHub.findings.size).toBe(0);
  });

  it("names an account without the member role as such, and scans nothing there", async () => {
    // Act: the StackSet never reached this account (outside the target OUs), so STS refuses.
    const scan = orgAccountScanner({ home: homeRuntime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/NotDeployedHere` },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess: a MemberRoleError (not counted as a failed scan by the handler), and no key touched.
    await expect(scan).rejects.toThrow(MemberRoleError);
    await expect(scan).rejects.toThrow(/NotDeployedHere refused: Not authorized/);
    expect(member.iam.accessKeys.get(MEMBER_KEY)?.status).toBe("Active");
  });

  it("scans the Cognito pools configured for the member account there, with the member role, and signs departed staff out", async () => {
    // Prepare: one pool at home, one configured for the member account, where it lives.
    seedMemberPool();
    const runtime = homeRuntime({ memberPool: true });
    // Act
    const report = await orgAccountScanner({ home: () => runtime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: true, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess: the member's pool was read and Jane signed out and disabled there...
    expect(report.sources.map((s) => s.source)).toEqual(["aws-iam", "aws-cognito"]);
    const cognitoItems = report.plan.items.filter((i) => i.finding.credential?.source === "aws-cognito");
    expect(cognitoItems.map((i) => i.finding.credential?.principal)).toContain("jane");
    expect(member.calls()["cognito-idp:AdminUserGlobalSignOut"]).toBeGreaterThan(0);
    const user = (name: string) =>
      member.cognito.handle("AdminGetUser", { UserPoolId: MEMBER_POOL, Username: name }) as {
        Enabled?: boolean;
      };
    expect(user("jane").Enabled).toBe(false);
    expect(user("bob").Enabled).toBe(true);
    // ...and the security account's pool was left to its own scan: no Cognito call at home.
    expect(Object.keys(home.calls()).filter((call) => call.startsWith("cognito-idp:"))).toEqual([]);
  });

  it("leaves the security account's own pools out of a member scan, and a member's pools out of the security account's scan", async () => {
    // Prepare: each account has its own pool; neither has the other's.
    seedMemberPool();
    home.seed({
      ...homeScenario(),
      cognito: { pools: [{ id: "us-east-1_AbC123", name: "home-staff" }] },
    } as Scenario);
    // Act: the member scan, and the security account's own scan with the same config.
    const runtime = homeRuntime({ memberPool: true });
    const memberReport = await orgAccountScanner({ home: () => runtime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: false, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    member.resetCalls();
    home.resetCalls();
    // The same runtime, so the same store: org-wide scans share one table.
    const homeReport = await runScan(await scanDependencies(runtime), {
      apply: false,
      trigger: "schedule",
    });
    // Assess: each scan read its own pool, and only it: the other account's pool would be a
    // problem (the sandbox of the account asked has no such pool).
    const cognitoOf = (report: ScanReport) => report.sources.find((s) => s.source === "aws-cognito");
    expect(cognitoOf(memberReport)?.problems).toEqual([]);
    expect(cognitoOf(homeReport)?.problems).toEqual([]);
    expect(cognitoOf(memberReport)?.stats).toMatchObject({ pools: 1 });
    expect(cognitoOf(homeReport)?.stats).toMatchObject({ pools: 1 });
    // The member's Cognito findings, stored by its scan, are not "no longer seen" by the
    // security account's scan, which did not look at that pool.
    const memberCognito = memberReport.plan.items.filter(
      (i) => i.finding.credential?.source === "aws-cognito",
    );
    expect(memberCognito.length).toBeGreaterThan(0);
    expect(homeReport.resolved.filter((h) => h.credentialId?.startsWith("aws-cognito:"))).toEqual([]);
    const stored = await runtime.store.getFinding(memberCognito[0]!.finding.id);
    expect(stored?.status).not.toBe("resolved");
  });

  it("scans only the member account's IAM when no pool is configured for it: Cognito pools are the security account's scan's", async () => {
    // Act
    const report = await orgAccountScanner({ home: homeRuntime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: false, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    // Assess
    expect(report.sources.map((s) => s.source)).toEqual(["aws-iam"]);
    expect(Object.keys(member.calls()).filter((call) => call.startsWith("cognito-idp:"))).toEqual([]);
    expect(Object.keys(home.calls()).filter((call) => call.startsWith("cognito-idp:"))).toEqual([]);
  });
});

describe("what a scan may call gone, with one store for every account", () => {
  /** The open finding about a key, as the store has it. */
  async function findingOf(runtime: Runtime, report: ScanReport, nativeId: string) {
    const item = report.plan.items.find(
      (i) =>
        i.finding.credential?.nativeId === nativeId &&
        i.finding.ruleId === "departed-owner-active-credential",
    );
    expect(item, nativeId).toBeDefined();
    return runtime.store.getFinding(item!.finding.id);
  }

  it("the security account's own scan leaves the member account's findings to the member scans", async () => {
    // Prepare: a member scan in report mode leaves Jane's member key open in the shared store.
    const runtime = homeRuntime({ cognito: false });
    const memberScan = await orgAccountScanner({ home: () => runtime, sts })(
      { accountId: MEMBER_ACCOUNT, roleArn: ROLE_ARN },
      { apply: false, trigger: `org:${MEMBER_ACCOUNT}`, account: MEMBER_ACCOUNT },
    );
    expect((await findingOf(runtime, memberScan, MEMBER_KEY))?.status).toBe("open");

    // Act: the security account's scheduled scan, which sees only its own account.
    const own = await runScan(await scanDependencies(runtime), { apply: false, trigger: "schedule" });

    // Assess: the member finding is not "gone" for a scan that never looked there.
    expect(own.status).toBe("completed");
    expect((await findingOf(runtime, own, HOME_KEY))?.status).toBe("open");
    expect((await findingOf(runtime, memberScan, MEMBER_KEY))?.status).toBe("open");
    expect(own.resolved.map((h) => h.credentialId)).toEqual([]);
  });

  it("a source that missed a principal calls none of its findings gone", async () => {
    // Prepare: Jane's home key is open after a clean scan.
    const runtime = homeRuntime({ cognito: false });
    const first = await runScan(await scanDependencies(runtime), { apply: false, trigger: "schedule" });
    expect((await findingOf(runtime, first, HOME_KEY))?.status).toBe("open");

    // Act: the next scan cannot read Jane's keys (IAM answers 503 to ListAccessKeys, retries too).
    home.faults.set("iam:ListAccessKeys", { errorRate: 1 });
    const second = await runScan(await scanDependencies(runtime), {
      apply: false,
      trigger: "schedule",
    }).finally(() => home.faults.clear("iam:ListAccessKeys"));

    // Assess: the problem is reported, and Jane's key is not taken for gone.
    expect(second.sources.find((s) => s.source === "aws-iam")?.problems.map((p) => p.subject)).toContain(
      "jane.doe",
    );
    expect(second.resolved).toEqual([]);
    expect((await findingOf(runtime, first, HOME_KEY))?.status).toBe("open");
  });
});
