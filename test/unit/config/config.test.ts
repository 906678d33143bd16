import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  COGNITO_MATCH_ATTRIBUTES,
  ConfigError,
  configJsonSchema,
  parseConfig,
  parseConfigText,
} from "../../../lambdas/config.ts";
import { searchValues } from "../../../lambdas/sources/aws-cognito/discover.ts";

const ROOT = join(import.meta.dirname, "../../..");

describe("config", () => {
  it("gives safe defaults for an empty config: report mode, IAM only, brake on", () => {
    const config = parseConfig({});
    expect(config.mode).toBe("report");
    expect(config.sources["aws-iam"].enabled).toBe(true);
    expect(config.sources["aws-cognito"].enabled).toBe(false);
    expect(config.brake.maxRevocationsPerRun).toBe(25);
    expect(config.rules).toMatchObject({ unusedDays: 45, unrotatedDays: 90 });
    expect(config.departures.lenient).toBe(false);
  });

  it("lists every problem at once, each with its path", () => {
    let error: unknown;
    try {
      parseConfig({
        mode: "yolo",
        brake: { maxRevocationsPerRun: -1 },
        sources: { "aws-cognito": { pools: [{ userPoolId: "nope" }] } },
        exceptions: [{ reason: "because", approver: "ciso@x.example", expires: "soon" }],
        surprise: true,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "mode",
        "brake.maxRevocationsPerRun",
        "sources.aws-cognito.pools.0.userPoolId",
        "exceptions.0.expires",
        "",
      ]),
    );
    expect((error as Error).message).toContain("sources.aws-cognito.pools.0.userPoolId");
  });

  it("refuses an exception that names neither a principal nor a credential", () => {
    expect(() =>
      parseConfig({ exceptions: [{ reason: "because", approver: "ciso@x.example", expires: "2027-01-01" }] }),
    ).toThrow(/exceptions.0: an exception names a principal or a credentialId/);
  });

  it("refuses a Slack channel named instead of by id, and an account name for something that is not an account id", () => {
    let error: unknown;
    try {
      parseConfig({
        notifications: {
          slack: { enabled: true, token: { env: "SLACK" }, securityChannel: "#security" },
          accountNames: { prod: "123456789012" },
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: "notifications.slack.securityChannel",
        message: expect.stringContaining("expected a Slack channel id like C0123ABCD, not a name"),
      },
      {
        path: "notifications.accountNames.prod",
        message: expect.stringContaining("12-digit AWS account id"),
      },
    ]);
    const named = parseConfig({ notifications: { accountNames: { "123456789012": "prod" } } });
    expect(named.notifications.accountNames).toEqual({ "123456789012": "prod" });
    expect(parseConfig({}).notifications.accountNames).toEqual({});
  });

  it("refuses a dynamodb departure list that is not the store's table", () => {
    const source = { type: "dynamodb", table: "hr-events" } as const;
    for (const store of [undefined, { type: "dynamodb", table: "other" } as const]) {
      expect(() => parseConfig({ departures: { source }, ...(store ? { store } : {}) })).toThrow(
        /departures\.source\.table: a dynamodb departure list is the webhook's events in the scan's store/,
      );
    }
    expect(
      parseConfig({ departures: { source }, store: { type: "dynamodb", table: "hr-events" } }).store,
    ).toEqual({
      type: "dynamodb",
      table: "hr-events",
    });
  });

  it("accepts a Cognito match attribute only when the departure list has a value to look it up by", () => {
    const pool = (matchAttributes: string[]) => ({
      sources: {
        "aws-cognito": { enabled: true, pools: [{ userPoolId: "us-east-1_AbC123", matchAttributes }] },
      },
    });
    // Every attribute the config accepts gives a full person something to search for.
    const everyone = {
      emails: ["jane@corp.example"],
      aliases: ["jdoe"],
      displayName: "Jane Doe",
      departedAt: new Date(),
    };
    for (const attribute of COGNITO_MATCH_ATTRIBUTES) {
      expect(parseConfig(pool([attribute])).sources["aws-cognito"].pools[0]?.matchAttributes).toEqual([
        attribute,
      ]);
      expect(searchValues(attribute, everyone).length, attribute).toBeGreaterThan(0);
    }
    expect(
      parseConfig(pool(["custom:employee_id"])).sources["aws-cognito"].pools[0]?.matchAttributes,
    ).toEqual(["custom:employee_id"]);
    expect(() => parseConfig(pool(["email", "phone_number"]))).toThrow(
      /sources\.aws-cognito\.pools\.0\.matchAttributes\.1: expected email, username, preferred_username, name or custom:<name>/,
    );
  });

  it("refuses a file that is not an object (null, an array, a number)", () => {
    expect(() => parseConfigText("null", "c.json")).toThrow(/expected a JSON object, got null/);
    expect(() => parseConfigText("[]", "c.json")).toThrow(/got an array/);
    expect(() => parseConfigText("42", "c.json")).toThrow(/got number/);
  });

  it("reads // comments but not inside strings", () => {
    const config = parseConfigText('{\n // a comment\n "protectedPrincipals": ["https://x//y"] }');
    expect(config.protectedPrincipals).toEqual(["https://x//y"]);
  });

  it("refuses JSON that does not parse, naming the problem", () => {
    expect(() => parseConfigText("{ mode: report }", "iam-hygiene.json")).toThrow(
      /iam-hygiene.json is invalid/,
    );
  });

  it("refuses unknown time zones and bad regular expressions", () => {
    expect(() => parseConfig({ departures: { timeZone: "Mars/Olympus" } })).toThrow(/departures.timeZone/);
    expect(() => parseConfig({ ownership: { serviceNamePatterns: ["(["] } })).toThrow(/serviceNamePatterns/);
  });

  it("accepts the documented example config", () => {
    const text = readFileSync(join(ROOT, "docs/iam-hygiene.example.jsonc"), "utf8");
    expect(parseConfigText(text).mode).toBe("enforce");
  });

  it("publishes the JSON Schema that docs/config.schema.json holds", () => {
    const published = JSON.parse(readFileSync(join(ROOT, "docs/config.schema.json"), "utf8"));
    expect(published).toEqual(configJsonSchema());
  });
});
