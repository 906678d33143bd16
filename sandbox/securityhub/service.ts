/**
 * A minimal Security Hub: `BatchImportFindings` (restJson1, `POST /findings/import`). It
 * checks each finding the way the service does for the default product (required attributes,
 * their length limits, the product ARN and account of the caller, ASFF type namespaces) and
 * answers `{ FailedCount, SuccessCount, FailedFindings }`; a request of more than 100
 * findings is refused whole. Imported findings are kept by `ProductArn` + `Id`, so a
 * re-import updates the stored one, as in Security Hub.
 */
import { SandboxServiceError } from "../errors.ts";

/** The path the SDK posts `BatchImportFindings` to. */
export const SECURITY_HUB_IMPORT_PATH = "/findings/import";

/** One finding as stored: the imported JSON, plus how many times it was imported. */
export interface StoredFinding {
  readonly finding: Record<string, unknown>;
  readonly imports: number;
}

interface ImportError {
  readonly Id: string;
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}

const REQUIRED_STRINGS: ReadonlyArray<readonly [field: string, max: number]> = [
  ["SchemaVersion", 256],
  ["Id", 512],
  ["ProductArn", 512],
  ["GeneratorId", 512],
  ["AwsAccountId", 12],
  ["CreatedAt", 64],
  ["UpdatedAt", 64],
  ["Title", 256],
  ["Description", 1024],
];
const NAMESPACES = [
  "Software and Configuration Checks",
  "TTPs",
  "Effects",
  "Unusual Behaviors",
  "Sensitive Data Identifications",
];
const LABELS = new Set(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]);
const MAX_FINDINGS = 100;
const MAX_FINDING_BYTES = 240 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Security Hub's `BatchImportFindings`, enough for the product's publisher and its tests. */
export class SecurityHubService {
  /** Findings by `ProductArn|Id`. */
  readonly findings = new Map<string, StoredFinding>();
  /** Finding ids to fail with `InternalException` this many more times (transient failures). */
  readonly #transient = new Map<string, number>();

  constructor(
    private readonly accountId: () => string,
    private readonly region: string,
  ) {}

  /** Forgets every finding and injected failure. */
  reset(): void {
    this.findings.clear();
    this.#transient.clear();
  }

  /** Makes the next `times` imports of finding `id` fail in `FailedFindings` (not the whole request). */
  failFinding(id: string, times = 1): void {
    this.#transient.set(id, times);
  }

  /** Dispatches an action. */
  handle(action: string, input: Record<string, unknown>): unknown {
    if (action !== "BatchImportFindings") {
      throw new SandboxServiceError("UnknownOperationException", `Unknown operation ${action}`);
    }
    return this.#import(input);
  }

  #import(input: Record<string, unknown>): unknown {
    const findings = input.Findings;
    if (!Array.isArray(findings) || findings.length === 0) {
      throw new SandboxServiceError("InvalidInputException", "Findings must contain at least 1 finding");
    }
    if (findings.length > MAX_FINDINGS) {
      throw new SandboxServiceError(
        "InvalidInputException",
        `Findings must contain at most ${MAX_FINDINGS} findings, got ${findings.length}`,
      );
    }
    const failed: ImportError[] = [];
    let success = 0;
    for (const raw of findings) {
      const id = isObject(raw) && typeof raw.Id === "string" ? raw.Id : "";
      const problem = isObject(raw) ? this.#validate(raw) : "finding is not an object";
      if (problem) {
        failed.push({ Id: id, ErrorCode: "InvalidInput", ErrorMessage: problem });
        continue;
      }
      const left = this.#transient.get(id) ?? 0;
      if (left > 0) {
        this.#transient.set(id, left - 1);
        failed.push({ Id: id, ErrorCode: "InternalException", ErrorMessage: "Internal service failure" });
        continue;
      }
      const finding = raw as Record<string, unknown>;
      const key = `${String(finding.ProductArn)}|${id}`;
      this.findings.set(key, { finding, imports: (this.findings.get(key)?.imports ?? 0) + 1 });
      success++;
    }
    return { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed };
  }

  /** The first thing wrong with a finding, in Security Hub's words where they are known. */
  #validate(f: Record<string, unknown>): string | undefined {
    for (const [field, max] of REQUIRED_STRINGS) {
      const value = f[field];
      if (typeof value !== "string" || value.trim() === "") return `${field} is required`;
      if (value.length > max) return `${field} must be at most ${max} characters`;
    }
    if (f.SchemaVersion !== "2018-10-08") return `SchemaVersion ${String(f.SchemaVersion)} is not supported`;
    const account = this.accountId();
    const productArn = `arn:aws:securityhub:${this.region}:${account}:product/${account}/default`;
    if (f.ProductArn !== productArn) return `ProductArn must be ${productArn} for the default product`;
    if (f.AwsAccountId !== account) return "AwsAccountId must be the calling account for the default product";
    for (const field of ["CreatedAt", "UpdatedAt"]) {
      if (Number.isNaN(Date.parse(String(f[field])))) return `${field} is not an ISO 8601 timestamp`;
    }
    const types = f.Types;
    if (!Array.isArray(types) || types.length === 0 || types.length > 50)
      return "Types must hold 1 to 50 types";
    for (const type of types) {
      if (typeof type !== "string" || !NAMESPACES.some((ns) => type === ns || type.startsWith(`${ns}/`))) {
        return `Type ${String(type)} is not in a valid namespace`;
      }
    }
    const severity = f.Severity;
    if (
      !isObject(severity) ||
      (!LABELS.has(String(severity.Label)) && typeof severity.Normalized !== "number")
    ) {
      return "Severity must have a valid Label or Normalized";
    }
    const resources = f.Resources;
    if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32) {
      return "Resources must hold 1 to 32 resources";
    }
    for (const r of resources) {
      if (!isObject(r) || typeof r.Type !== "string" || typeof r.Id !== "string" || r.Id === "") {
        return "each resource needs a Type and an Id";
      }
    }
    if (Buffer.byteLength(JSON.stringify(f)) > MAX_FINDING_BYTES)
      return "FindingSizeExceeded: finding is over 240 KB";
    return undefined;
  }
}
