/**
 * The demo company, Northwind Analytics: about fifty staff with IAM users tagged with their
 * email, a few service users, a Cognito pool where staff sign in next to customers, a GitHub
 * organisation, and an HR departure list naming the people whose credentials tell the story.
 * Every time is relative to `now`, so the story reads the same on any day.
 */
import type { Scenario, ScenarioUser } from "../sandbox/index.ts";

/** The company's email domain. */
export const DOMAIN = "northwind.example";
/** The AWS account of the sandbox. */
export const ACCOUNT_ID = "314159265358";
/** The Cognito pool where staff and customers sign in. */
export const POOL_ID = "us-east-1_NwApp0001";
/** The pool's web client (no secret, refresh allowed). */
export const POOL_CLIENT_ID = "northwindwebclient00000001";
/** The GitHub organisation. */
export const GITHUB_ORG = "northwind";
/** The Slack channel the security team reads. */
export const SECURITY_CHANNEL = "C0SECIAM01";
/** The IP the departed engineer's key is used from after she left (a Tor exit node). */
export const ATTACKER_IP = "185.220.101.4";

const DAY = 86_400_000;

/** A member of staff. */
export interface StaffMember {
  readonly first: string;
  readonly last: string;
  readonly email: string;
  /** IAM user name: the email's local part. */
  readonly userName: string;
  readonly employeeId: string;
  readonly slackId: string;
  readonly manager?: string;
}

/** The people (and credentials) the story is about. */
export const CAST = {
  /** Left 12 days ago; her access key was used afterwards from an overseas IP. */
  dana: { first: "Dana", last: "Whitfield", keyId: "AKIA4NWDW7K2Q9XR3E5L", secret: "dana-secret-key-0001" },
  /** Left 3 days ago; still holds live sessions in the Cognito pool. */
  marcus: { first: "Marcus", last: "Oyelaran" },
  /** Left 20 days ago; owned the billing export service user (ticketed, never revoked). */
  tom: { first: "Tom", last: "Brennan", keyId: "AKIA4NWTB3M8P2V6K1QZ" },
  /** Left 6 days ago; her GitHub OAuth/PAT grants to the org are still live. */
  aisha: { first: "Aisha", last: "Karim", login: "akarim" },
  /** Left 30 days ago; owned the protected break-glass user. */
  olivia: { first: "Olivia", last: "Grant" },
  /** Left 9 days ago; an untagged IAM user `jsmith` only fits his name (weak: a human confirms). */
  james: { first: "James", last: "Smith" },
  /** Left 15 days ago; IT already removed everything: nothing to find. */
  hannah: { first: "Hannah", last: "Lee" },
  /** A colleague who stays: her key and her Cognito session must keep working. */
  priya: { first: "Priya", last: "Raman", keyId: "AKIA4NWPR5J7H3D9C2XA", secret: "priya-secret-key-0001" },
  /** The engineering manager most of the cast report to. */
  manager: { first: "Elena", last: "Novak" },
} as const;

/** Who left, and when (days before now). */
const DEPARTED_DAYS_AGO: Record<string, number> = {
  dana: 12,
  marcus: 3,
  tom: 20,
  aisha: 6,
  olivia: 30,
  james: 9,
  hannah: 15,
};

const OTHER_STAFF: ReadonlyArray<readonly [string, string]> = [
  ["Ava", "Chen"],
  ["Ben", "Okafor"],
  ["Carla", "Mendes"],
  ["David", "Kowalski"],
  ["Emma", "Larsen"],
  ["Farid", "Haddad"],
  ["Grace", "Obi"],
  ["Hugo", "Martin"],
  ["Isla", "Fraser"],
  ["Jonas", "Berg"],
  ["Keiko", "Tanaka"],
  ["Liam", "Walsh"],
  ["Maya", "Patel"],
  ["Noah", "Fischer"],
  ["Olga", "Ivanova"],
  ["Pablo", "Ruiz"],
  ["Quinn", "Murphy"],
  ["Rosa", "Bianchi"],
  ["Sam", "Adeyemi"],
  ["Tara", "Singh"],
  ["Umar", "Farouk"],
  ["Vera", "Novotna"],
  ["Will", "Turner"],
  ["Xena", "Papadopoulos"],
  ["Yusuf", "Demir"],
  ["Zoe", "Dubois"],
  ["Aaron", "Cohen"],
  ["Bianca", "Rossi"],
  ["Chidi", "Eze"],
  ["Daria", "Volkova"],
  ["Eli", "Navarro"],
  ["Fatima", "Zahra"],
  ["Gavin", "Doyle"],
  ["Hana", "Kim"],
  ["Ivan", "Petrov"],
  ["Jade", "Wong"],
  ["Kofi", "Mensah"],
  ["Lena", "Schmidt"],
  ["Mateo", "Garcia"],
  ["Nina", "Holm"],
  ["Oscar", "Lind"],
];

function member(first: string, last: string, i: number, manager?: string): StaffMember {
  const local = `${first}.${last}`.toLowerCase();
  return {
    first,
    last,
    email: `${local}@${DOMAIN}`,
    userName: local,
    employeeId: `E${String(1001 + i).padStart(4, "0")}`,
    slackId: `U0NW${String(1001 + i).padStart(5, "0")}`,
    ...(manager ? { manager } : {}),
  };
}

/** Everyone, the cast first. */
export function staff(): StaffMember[] {
  const managerEmail = `${CAST.manager.first}.${CAST.manager.last}@${DOMAIN}`.toLowerCase();
  const cast = Object.values(CAST).map((p, i) =>
    member(p.first, p.last, i, p === CAST.manager ? undefined : managerEmail),
  );
  const others = OTHER_STAFF.map(([first, last], i) => member(first, last, cast.length + i, managerEmail));
  return [...cast, ...others];
}

/** A cast member as staff. */
export function person(key: keyof typeof CAST): StaffMember {
  const who = CAST[key];
  const found = staff().find((s) => s.first === who.first && s.last === who.last);
  if (!found) throw new Error(`demo cast ${key} missing from staff`);
  return found;
}

/** When a cast member left. */
export function departedAt(key: string, now: Date): Date | undefined {
  const days = DEPARTED_DAYS_AGO[key];
  return days === undefined ? undefined : new Date(now.getTime() - days * DAY);
}

const iso = (now: Date, daysAgo: number): string => new Date(now.getTime() - daysAgo * DAY).toISOString();

/** A staff IAM user: tagged with its owner's email, console with MFA, one recent key. */
function staffUser(
  s: StaffMember,
  now: Date,
  i: number,
  overrides: Partial<ScenarioUser> = {},
): ScenarioUser {
  const created = 200 + (i % 7) * 60;
  return {
    userName: s.userName,
    path: "/staff/",
    tags: { email: s.email, "employee-id": s.employeeId, team: i % 3 === 0 ? "data" : "platform" },
    createdAt: iso(now, created),
    password: { createdAt: iso(now, created), lastUsedAt: iso(now, 1 + (i % 4)) },
    mfa: true,
    accessKeys: [
      {
        status: "Active",
        // Rotated within the last 90 days and used this week: hygiene-clean.
        createdAt: iso(now, 10 + (i % 8) * 9),
        lastUsedAt: iso(now, i % 5),
        lastUsedService: i % 2 === 0 ? "s3" : "sts",
        lastUsedRegion: "eu-west-1",
      },
    ],
    ...overrides,
  };
}

/** The sandbox scenario: IAM, Cognito, CloudTrail history. */
export function companyScenario(now: Date): Scenario {
  const everyone = staff();
  const byKey = (key: keyof typeof CAST) => person(key);
  // People without an IAM user: support (Marcus) and frontend (Aisha) work in the app and on
  // GitHub; Hannah's user was removed by IT; James and Olivia only show up through other users.
  const skip = new Set(
    (["hannah", "james", "olivia", "marcus", "aisha"] as const).map((key) => byKey(key).userName),
  );
  const users: ScenarioUser[] = [];
  everyone.forEach((s, i) => {
    if (skip.has(s.userName)) return;
    if (s.userName === byKey("dana").userName) {
      users.push(
        staffUser(s, now, i, {
          accessKeys: [
            {
              id: CAST.dana.keyId,
              secret: CAST.dana.secret,
              status: "Active",
              createdAt: iso(now, 140),
              // Her last legitimate use, the day before she left; the demo uses it again later.
              lastUsedAt: iso(now, 13),
              lastUsedService: "s3",
              lastUsedRegion: "eu-west-1",
            },
          ],
          password: { createdAt: iso(now, 400), lastUsedAt: iso(now, 12.5) },
        }),
      );
      return;
    }
    if (s.userName === byKey("tom").userName) {
      users.push(
        staffUser(s, now, i, {
          accessKeys: [
            {
              id: CAST.tom.keyId,
              status: "Active",
              createdAt: iso(now, 60),
              lastUsedAt: iso(now, 21),
              lastUsedService: "s3",
              lastUsedRegion: "eu-west-1",
            },
          ],
          password: { createdAt: iso(now, 300), lastUsedAt: iso(now, 20.5) },
        }),
      );
      return;
    }
    if (s.userName === byKey("priya").userName) {
      users.push(
        staffUser(s, now, i, {
          accessKeys: [
            {
              id: CAST.priya.keyId,
              secret: CAST.priya.secret,
              status: "Active",
              createdAt: iso(now, 30),
              lastUsedAt: iso(now, 0.2),
              lastUsedService: "s3",
              lastUsedRegion: "eu-west-1",
            },
          ],
        }),
      );
      return;
    }
    if (s.last === "Fischer") {
      // Hygiene, not departure: a key that has not been rotated in 200 days.
      users.push(
        staffUser(s, now, i, {
          accessKeys: [
            { status: "Active", createdAt: iso(now, 200), lastUsedAt: iso(now, 2), lastUsedService: "ec2" },
          ],
        }),
      );
      return;
    }
    if (s.last === "Ivanova") {
      // Hygiene: a console password without MFA.
      users.push(staffUser(s, now, i, { mfa: false }));
      return;
    }
    users.push(staffUser(s, now, i));
  });

  const tom = byKey("tom");
  const olivia = byKey("olivia");
  users.push(
    {
      // Tom's service user: a departed owner, but a workload. Ownership moves; a human decides.
      userName: "svc-billing-export",
      // Owners recorded in the path come free with ListUsers; tags are read only for likely matches.
      path: `/service/${tom.email}/`,
      tags: { owner: tom.email, "principal-type": "service" },
      createdAt: iso(now, 500),
      accessKeys: [
        { status: "Active", createdAt: iso(now, 70), lastUsedAt: iso(now, 0.1), lastUsedService: "s3" },
      ],
    },
    {
      userName: "svc-ci-deploy",
      path: "/service/",
      tags: { owner: byKey("priya").email, "principal-type": "service" },
      createdAt: iso(now, 300),
      accessKeys: [
        {
          status: "Active",
          createdAt: iso(now, 40),
          lastUsedAt: iso(now, 0.05),
          lastUsedService: "cloudformation",
        },
      ],
    },
    {
      userName: "svc-metrics-reader",
      path: "/service/",
      tags: { owner: byKey("manager").email, "principal-type": "service" },
      createdAt: iso(now, 250),
      accessKeys: [
        {
          status: "Active",
          createdAt: iso(now, 20),
          lastUsedAt: iso(now, 0.3),
          lastUsedService: "cloudwatch",
        },
      ],
    },
    {
      // Break-glass: owned by someone who left, and protected by configuration: never touched.
      userName: "break-glass-admin",
      path: `/emergency/${olivia.email}/`,
      tags: { owner: olivia.email },
      createdAt: iso(now, 700),
      password: { createdAt: iso(now, 80) },
      mfa: true,
      accessKeys: [{ status: "Active", createdAt: iso(now, 80) }],
    },
    {
      // An untagged user that only fits James Smith's name by the flast convention.
      userName: "jsmith",
      path: "/",
      createdAt: iso(now, 900),
      accessKeys: [
        { status: "Active", createdAt: iso(now, 85), lastUsedAt: iso(now, 30), lastUsedService: "s3" },
      ],
    },
  );

  const marcus = byKey("marcus");
  const priya = byKey("priya");
  const poolStaff = [marcus, priya, byKey("manager"), ...everyone.slice(12, 20)];
  return {
    accountId: ACCOUNT_ID,
    iam: { accountCreatedAt: iso(now, 2000), users },
    cognito: {
      pools: [
        {
          id: POOL_ID,
          name: "northwind-app",
          createdAt: iso(now, 800),
          clients: [
            {
              id: POOL_CLIENT_ID,
              name: "web",
              explicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
              enableTokenRevocation: true,
            },
          ],
          users: poolStaff.map((s) => ({
            username: s.userName,
            attributes: { email: s.email, name: `${s.first} ${s.last}`, "custom:employee_id": s.employeeId },
            password: "Demo-Passw0rd!",
            createdAt: iso(now, 300),
            refreshTokens: s === marcus || s === priya ? 1 : 0,
          })),
          // Customers share the pool: the scan looks staff up by email instead of walking everyone.
          generated: { count: 20_000, prefix: "customer", emailDomain: "customer.example" },
        },
      ],
    },
    cloudtrail: {
      events: [
        {
          eventName: "GetObject",
          eventSource: "s3.amazonaws.com",
          eventTime: iso(now, 13),
          username: person("dana").userName,
          accessKeyId: CAST.dana.keyId,
          awsRegion: "eu-west-1",
          sourceIPAddress: "198.51.100.23",
          userAgent: "aws-cli/2.15.0",
        },
      ],
    },
  };
}

/** The HR departure list, as HR exports it (CSV, one row per person). */
export function departureCsv(now: Date): string {
  const rows = ["email,employee_id,name,departed_at,manager_email,slack_user_id,aliases"];
  for (const key of Object.keys(DEPARTED_DAYS_AGO)) {
    const s = person(key as keyof typeof CAST);
    const at = departedAt(key, now)!;
    // HR exports leaving time at the end of the last working day.
    const aliases = key === "aisha" ? CAST.aisha.login : "";
    rows.push(
      [
        s.email,
        s.employeeId,
        `${s.first} ${s.last}`,
        at.toISOString(),
        s.manager ?? "",
        s.slackId,
        aliases,
      ].join(","),
    );
  }
  return `${rows.join("\n")}\n`;
}

/** Slack members by email: everyone has one. */
export function slackDirectory(): Record<string, string> {
  return Object.fromEntries(staff().map((s) => [s.email, s.slackId]));
}
