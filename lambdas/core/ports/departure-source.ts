import type { Person } from "../model.ts";

/** One problem in a departure list, named by line and field. */
export interface DepartureRowError {
  /** 1-based line (CSV, JSON Lines) or array index + 1 (JSON array). */
  readonly line: number;
  readonly field?: string;
  readonly message: string;
}

/** A departure list as read and validated. */
export interface DepartureList {
  /** Where it came from: a path, `s3://bucket/key#version`, `dynamodb:table`. */
  readonly origin: string;
  /** Valid people, merged by identity. Empty when the list was rejected. */
  readonly people: Person[];
  readonly errors: DepartureRowError[];
  /** True when the list must not drive any revocation (invalid rows in strict mode, quarantine). */
  readonly rejected: boolean;
  /** Why it was rejected, one line. */
  readonly rejectionReason?: string;
  /** Rows read, before merging. */
  readonly rowCount: number;
}

/** The HR departure list, wherever it lives. */
export interface DepartureSource {
  load(): Promise<DepartureList>;
}
