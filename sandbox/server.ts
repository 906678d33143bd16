import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller } from "./caller.ts";
import { parseAuthorization } from "./caller.ts";
import { SandboxClock } from "./clock.ts";
import { CloudTrailService } from "./cloudtrail/service.ts";
import { CognitoService } from "./cognito/service.ts";
import { SandboxServiceError } from "./errors.ts";
import type { FaultSpec } from "./faults.ts";
import { Faults } from "./faults.ts";
import { IamService } from "./iam/service.ts";
import { IamState } from "./iam/state.ts";
import { IdGenerator } from "./ids.ts";
import { queryError, queryResponse } from "./protocols/query.ts";
import { parseS3Path, S3Service, s3Action, s3ErrorXml } from "./s3/service.ts";
import type { Scenario } from "./scenario.ts";
import { parseScenario, toDate } from "./scenario.ts";
import { SecretsService } from "./secrets/service.ts";
import { SECURITY_HUB_IMPORT_PATH, SecurityHubService } from "./securityhub/service.ts";
import { StsService } from "./sts/service.ts";

/** The access key id of the default, all-powerful sandbox caller. */
export const DEFAULT_ACCESS_KEY_ID = "AKIATESTTESTTESTTEST";
/** Its secret (never checked: signatures are not verified). */
export const DEFAULT_SECRET_ACCESS_KEY = "sandbox-secret-access-key";

/** The account id when a scenario names none. */
export const DEFAULT_ACCOUNT_ID = "123456789012";

/** `X-Amz-Target` prefixes of the JSON services, mapped to their signing names. */
const JSON_TARGETS: Record<string, string> = {
  "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail",
  secretsmanager: "secretsmanager",
  AWSCognitoIdentityProviderService: "cognito-idp",
};

/** Query API versions, mapped to their services. */
const QUERY_VERSIONS: Record<string, string> = { "2010-05-08": "iam", "2011-06-15": "sts" };

/** Each service's own throttling error, as its SDK expects it. */
const THROTTLE_ERRORS: Record<string, [code: string, status: number]> = {
  iam: ["Throttling", 400],
  sts: ["Throttling", 400],
  "cognito-idp": ["TooManyRequestsException", 400],
  cloudtrail: ["ThrottlingException", 400],
  secretsmanager: ["ThrottlingException", 400],
  securityhub: ["TooManyRequestsException", 429],
  s3: ["SlowDown", 503],
};

/** Each protocol's 5xx error. */
const SERVER_ERRORS: Record<string, [code: string, status: number]> = {
  query: ["ServiceUnavailable", 503],
  json: ["InternalFailure", 500],
  s3: ["InternalError", 500],
};

type Protocol = "query" | "json" | "s3";

interface Route {
  readonly protocol: Protocol;
  readonly service: string;
  readonly action: string;
}

/** JSON.stringify that writes `Date` values as epoch seconds, as AWS JSON protocols do. */
export function stringifyAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Options of the request-handling core. */
export interface SandboxCoreOptions {
  /** @default "us-east-1" */
  region?: string;
  /** @default 0 */
  credentialReportDelayMs?: number;
}

/**
 * Everything behind the HTTP socket: the services' state, routing, fault injection, call
 * counting, last-used tracking and the `/_sandbox/` admin API.
 */
export class SandboxCore {
  readonly clock = new SandboxClock();
  readonly faults = new Faults();
  readonly ids = new IdGenerator(0x5eed);
  readonly iamState: IamState;
  readonly iam: IamService;
  readonly sts: StsService;
  readonly cloudtrail: CloudTrailService;
  readonly s3: S3Service;
  readonly secrets: SecretsService;
  readonly securityHub: SecurityHubService;
  readonly region: string;
  cognito: CognitoService;
  #calls = new Map<string, number>();

  constructor(options: SandboxCoreOptions = {}) {
    this.region = options.region ?? "us-east-1";
    this.iamState = new IamState(this.clock);
    this.iam = new IamService(this.iamState, this.clock, options.credentialReportDelayMs ?? 0);
    this.sts = new StsService(this.iamState, this.clock);
    const accountId = () => this.iamState.accountId;
    this.cloudtrail = new CloudTrailService(this.clock, accountId);
    this.s3 = new S3Service(this.clock, this.ids);
    this.secrets = new SecretsService(
      this.clock,
      this.ids,
      () => `arn:aws:secretsmanager:${this.region}:${this.iamState.accountId}`,
    );
    this.cognito = new CognitoService(this.clock, {
      accountId: this.iamState.accountId,
      region: this.region,
    });
    this.securityHub = new SecurityHubService(accountId, this.region);
  }

  /** Call counts keyed `service:Action`. */
  calls(): Record<string, number> {
    return Object.fromEntries(this.#calls);
  }

  /** Zeroes the call counts. */
  resetCalls(): void {
    this.#calls.clear();
  }

  /** Empties every service (faults and call counts are kept; the clock is untouched). */
  resetState(): void {
    this.iamState.reset();
    this.sts.reset();
    this.cloudtrail.reset();
    this.s3.reset();
    this.secrets.reset();
    this.cognito.reset();
    this.securityHub.reset();
    this.ids.reset();
  }

  /** Empties every service, clears faults and call counts. */
  reset(): void {
    this.resetState();
    this.#useAccount(DEFAULT_ACCOUNT_ID);
    this.faults.clear();
    this.resetCalls();
  }

  /** Validates a scenario, replaces all service state with it, and pins the clock if it says `now`. */
  seed(input: Scenario | unknown): void {
    const scenario = parseScenario(input);
    this.resetState();
    if (scenario.now !== undefined) this.clock.set(toDate(scenario.now, this.clock.now()));
    this.#useAccount(scenario.accountId ?? DEFAULT_ACCOUNT_ID);
    this.iamState.load(scenario);
    this.cloudtrail.load(scenario);
    this.s3.load(scenario.s3?.buckets);
    this.secrets.load(scenario.secrets);
    if (scenario.cognito !== undefined) this.cognito.seed(scenario.cognito);
  }

  /** Switches the account id; Cognito takes it at construction, so it is rebuilt. */
  #useAccount(accountId: string): void {
    if (accountId === this.iamState.accountId) return;
    this.iamState.accountId = accountId;
    this.cognito = new CognitoService(this.clock, { accountId, region: this.region });
  }

  /** Who signed the request. */
  resolveCaller(authorization: string | undefined): Caller {
    const auth = parseAuthorization(authorization);
    const accountId = this.iamState.accountId;
    const region = auth?.region ?? this.region;
    const base = { accessKeyId: auth?.accessKeyId, region, service: auth?.service };
    const key = auth ? this.iamState.accessKeys.get(auth.accessKeyId) : undefined;
    if (key) {
      if (key.userName === undefined) {
        return { ...base, userName: undefined, arn: `arn:aws:iam::${accountId}:root`, userId: accountId };
      }
      const user = this.iamState.users.get(key.userName);
      if (user) return { ...base, userName: user.userName, arn: user.arn, userId: user.userId };
    }
    const session = auth ? this.sts.sessions.get(auth.accessKeyId) : undefined;
    if (session) return { ...base, userName: undefined, arn: session.arn, userId: session.assumedRoleId };
    return {
      ...base,
      userName: undefined,
      arn: `arn:aws:iam::${accountId}:user/sandbox-admin`,
      userId: "AIDASANDBOXADMIN00000",
    };
  }

  /** Handles one HTTP request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let route: Route | undefined;
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? "/", "http://sandbox.local");
      if (url.pathname.startsWith("/_sandbox/")) {
        await this.#admin(req.method ?? "GET", url.pathname, body, res);
        return;
      }
      const caller = this.resolveCaller(req.headers.authorization);
      const target = req.headers["x-amz-target"];
      let jsonInput: Record<string, unknown> = {};
      let form: URLSearchParams | undefined;
      if (typeof target === "string") {
        const dot = target.lastIndexOf(".");
        const service = JSON_TARGETS[target.slice(0, dot)] ?? caller.service ?? "unknown";
        route = { protocol: "json", service, action: target.slice(dot + 1) };
        jsonInput = body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
      } else if (req.method === "POST" && url.pathname === SECURITY_HUB_IMPORT_PATH) {
        // Security Hub is restJson1: routed by path, answered and failed like the JSON services.
        route = { protocol: "json", service: "securityhub", action: "BatchImportFindings" };
        jsonInput = body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
      } else {
        const isForm = String(req.headers["content-type"] ?? "").includes(
          "application/x-www-form-urlencoded",
        );
        form = isForm ? new URLSearchParams(body.toString("utf8")) : undefined;
        if (!form?.has("Action") && url.searchParams.has("Action")) form = url.searchParams;
        const version = form?.get("Version");
        if (form?.has("Action") && version !== undefined && version !== null) {
          const service = QUERY_VERSIONS[version] ?? caller.service ?? "iam";
          route = { protocol: "query", service, action: form.get("Action")! };
        }
      }
      const s3Path = parseS3Path(url.pathname);
      const method = req.method ?? "GET";
      route ??= {
        protocol: "s3",
        service: "s3",
        action: s3Action({ method, ...s3Path, query: url.searchParams }),
      };
      const counterKey = `${route.service}:${route.action}`;
      this.#calls.set(counterKey, (this.#calls.get(counterKey) ?? 0) + 1);

      const decision = this.faults.decide(route.service, route.action);
      if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
      if (decision.outcome === "drop") {
        req.socket.destroy();
        return;
      }
      // No answer ever: the client's own deadline is all that ends the request (`close()` ends the socket).
      if (decision.outcome === "stall") return;
      const stallBody = decision.outcome === "stall-body";
      if (decision.outcome === "throttle") {
        const [code, status] = THROTTLE_ERRORS[route.service] ?? ["Throttling", 400];
        throw new SandboxServiceError(code, "Rate exceeded", status);
      }
      if (decision.outcome === "error") {
        const [code, status] = SERVER_ERRORS[route.protocol]!;
        throw new SandboxServiceError(code, "The service is unavailable. Please try again later.", status);
      }
      this.#authenticate(route, caller, req);

      if (route.protocol === "query") {
        const params = form!;
        const result =
          route.service === "sts"
            ? this.sts.handle(route.action, params, caller)
            : this.iam.handle(route.action, params, caller);
        this.#send(
          res,
          200,
          { "content-type": "text/xml" },
          queryResponse(route.service, route.action, result, requestId),
          stallBody,
        );
      } else if (route.protocol === "json") {
        const output = this.#json(route, jsonInput);
        this.#send(
          res,
          200,
          { "content-type": "application/x-amz-json-1.1" },
          stringifyAwsJson(output ?? {}),
          stallBody,
        );
      } else {
        const answer = this.s3.handle(
          { method, ...s3Path, query: url.searchParams, headers: req.headers, body },
          requestId,
        );
        this.#send(res, answer.status, answer.headers, answer.body, stallBody);
      }
    } catch (err) {
      if (res.headersSent || req.socket.destroyed) return;
      const error =
        err instanceof SandboxServiceError
          ? err
          : new SandboxServiceError(
              route?.protocol === "json" ? "InternalFailure" : "InternalError",
              err instanceof Error ? err.message : String(err),
              500,
            );
      if (!(err instanceof SandboxServiceError)) console.error("sandbox: unexpected error", err);
      this.#sendError(res, route, error, requestId, req);
    }
  }

  #json(route: Route, input: Record<string, unknown>): unknown {
    switch (route.service) {
      case "cloudtrail":
        return this.cloudtrail.handle(route.action, input);
      case "secretsmanager":
        return this.secrets.handle(route.action, input);
      case "cognito-idp":
        return this.cognito.handle(route.action, input);
      case "securityhub":
        return this.securityHub.handle(route.action, input);
      default:
        throw new SandboxServiceError("UnknownOperationException", `Unknown target ${route.service}`);
    }
  }

  /**
   * Refuses keys that are inactive or were deleted (as AWS does), and records the use of
   * sandbox keys: last used date/service/region and a CloudTrail event.
   */
  #authenticate(route: Route, caller: Caller, req: IncomingMessage): void {
    const id = caller.accessKeyId;
    if (id === undefined) return;
    const key = this.iamState.accessKeys.get(id);
    if ((key && key.status === "Inactive") || this.iamState.deletedAccessKeyIds.has(id)) {
      if (route.protocol === "s3") {
        throw new SandboxServiceError(
          "InvalidAccessKeyId",
          "The AWS Access Key Id you provided does not exist in our records.",
          403,
        );
      }
      if (route.protocol === "json") {
        throw new SandboxServiceError(
          "UnrecognizedClientException",
          "The security token included in the request is invalid.",
          400,
        );
      }
      throw new SandboxServiceError(
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        403,
      );
    }
    const now = this.clock.now();
    const service = caller.service ?? route.service;
    if (key) {
      key.lastUsedAt = now;
      key.lastUsedService = service;
      key.lastUsedRegion = caller.region;
      const forwarded = req.headers["x-forwarded-for"];
      const ip = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
      this.cloudtrail.record({
        eventName: route.action,
        eventTime: now,
        eventSource: `${route.service === "cognito-idp" ? "cognito-idp" : route.service}.amazonaws.com`,
        username: key.userName ?? "root",
        accessKeyId: id,
        awsRegion: caller.region,
        sourceIPAddress: ip || "127.0.0.1",
        userAgent: String(req.headers["user-agent"] ?? ""),
        userIdentity: {
          type: key.userName === undefined ? "Root" : "IAMUser",
          principalId: caller.userId,
          arn: caller.arn,
          accountId: this.iamState.accountId,
          accessKeyId: id,
          ...(key.userName !== undefined ? { userName: key.userName } : {}),
        },
      });
      return;
    }
    const session = this.sts.sessions.get(id);
    if (session) {
      const role = this.iamState.roles.get(session.roleName);
      if (role) {
        role.lastUsedAt = now;
        role.lastUsedRegion = caller.region;
      }
    }
  }

  /** Answers; with `stallBody`, only the head and half the body, and then nothing (`stallBodyRate`). */
  #send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer,
    stallBody = false,
  ): void {
    res.writeHead(status, { "x-amzn-requestid": headers["x-amz-request-id"] ?? "", ...headers });
    if (!stallBody) {
      res.end(body);
      return;
    }
    const bytes = Buffer.from(body);
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  }

  #sendError(
    res: ServerResponse,
    route: Route | undefined,
    error: SandboxServiceError,
    requestId: string,
    req: IncomingMessage,
  ): void {
    const headers = { "x-amzn-requestid": requestId, "x-amz-request-id": requestId };
    if (route?.protocol === "json") {
      res.writeHead(error.status, {
        ...headers,
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-errortype": error.code,
      });
      res.end(JSON.stringify({ __type: error.code, message: error.message }));
    } else if (route?.protocol === "s3") {
      res.writeHead(error.status, { ...headers, "content-type": "application/xml" });
      // HEAD answers carry no body; the SDK then names the error after the status.
      res.end(req.method === "HEAD" ? "" : s3ErrorXml(error, requestId, req.url ?? "/"));
    } else {
      res.writeHead(error.status, { ...headers, "content-type": "text/xml" });
      res.end(queryError(route?.service ?? "iam", error, requestId));
    }
  }

  async #admin(method: string, path: string, body: Buffer, res: ServerResponse): Promise<void> {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    let input: Record<string, unknown> = {};
    try {
      if (body.length > 0) input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch (err) {
      reply(400, { error: `body is not JSON: ${(err as Error).message}` });
      return;
    }
    try {
      const route = `${method} ${path.replace(/\/+$/, "")}`;
      switch (route) {
        case "GET /_sandbox/health":
          reply(200, { ok: true, accountId: this.iamState.accountId, now: this.clock.now().toISOString() });
          return;
        case "GET /_sandbox/calls":
          reply(200, this.calls());
          return;
        case "POST /_sandbox/calls/reset":
        case "DELETE /_sandbox/calls":
          this.resetCalls();
          reply(200, { ok: true });
          return;
        case "POST /_sandbox/reset":
          this.reset();
          reply(200, { ok: true });
          return;
        case "POST /_sandbox/seed":
          this.seed(input);
          reply(200, {
            ok: true,
            users: this.iamState.users.size,
            accessKeys: this.iamState.accessKeys.size,
          });
          return;
        case "GET /_sandbox/faults":
          reply(200, this.faults.list());
          return;
        case "DELETE /_sandbox/faults":
          this.faults.clear();
          reply(200, { ok: true });
          return;
        case "POST /_sandbox/faults": {
          // Either `{ clear?, faults: { key: spec } }` or a bare `{ key: spec }` map.
          if (input.clear === true) this.faults.clear();
          const specs = (input.faults ?? (input.clear === undefined ? input : {})) as Record<
            string,
            FaultSpec
          >;
          for (const [key, spec] of Object.entries(specs)) this.faults.set(key, spec);
          reply(200, this.faults.list());
          return;
        }
        case "GET /_sandbox/clock":
          reply(200, { now: this.clock.now().toISOString() });
          return;
        case "POST /_sandbox/clock":
          if (typeof input.now === "string") {
            const at = new Date(input.now);
            if (Number.isNaN(at.getTime())) throw new RangeError(`now is not a date: ${input.now}`);
            this.clock.set(at);
          }
          if (typeof input.advanceMs === "number") this.clock.advance(input.advanceMs);
          if (input.release === true) this.clock.release();
          reply(200, { now: this.clock.now().toISOString() });
          return;
        default:
          reply(404, { error: `no admin route ${route}` });
      }
    } catch (err) {
      reply(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
