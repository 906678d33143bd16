import { createHash } from "node:crypto";
import type { SandboxClock } from "../clock.ts";
import { SandboxServiceError } from "../errors.ts";
import type { IdGenerator } from "../ids.ts";
import { escapeXml, isoSeconds, toXml } from "../protocols/xml.ts";

/** An S3 object: the body and the metadata GetObject returns. */
export interface S3Object {
  readonly body: Buffer;
  readonly etag: string;
  readonly versionId: string;
  readonly lastModified: Date;
  readonly contentType: string;
}

/** A plain HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A parsed S3 request (path-style). */
export interface S3Request {
  readonly method: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** Splits a path-style URL path into bucket and key. */
export function parseS3Path(pathname: string): { bucket: string | undefined; key: string | undefined } {
  const trimmed = pathname.replace(/^\/+/, "");
  if (!trimmed) return { bucket: undefined, key: undefined };
  const slash = trimmed.indexOf("/");
  if (slash === -1) return { bucket: decodeURIComponent(trimmed), key: undefined };
  const key = trimmed.slice(slash + 1);
  return {
    bucket: decodeURIComponent(trimmed.slice(0, slash)),
    key: key ? decodeURIComponent(key) : undefined,
  };
}

/** The S3 operation name of a request, for call counting and fault keys. */
export function s3Action(req: Pick<S3Request, "method" | "bucket" | "key" | "query">): string {
  const { method, bucket, key, query } = req;
  if (!bucket) return "ListBuckets";
  if (!key) {
    if (method === "PUT") return "CreateBucket";
    if (method === "DELETE") return "DeleteBucket";
    if (method === "HEAD") return "HeadBucket";
    return query.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
  }
  if (method === "PUT") return "PutObject";
  if (method === "DELETE") return "DeleteObject";
  if (method === "HEAD") return "HeadObject";
  return "GetObject";
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>`),
 * which recent SDKs send when they attach a trailing checksum to a streamed upload.
 */
function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const lineEnd = body.indexOf("\r\n", pos);
    if (lineEnd === -1) break;
    const size = Number.parseInt(body.subarray(pos, lineEnd).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Minimal path-style S3: buckets, objects, ListObjectsV2. */
export class S3Service {
  /** Buckets by name; objects by key. */
  readonly buckets = new Map<string, Map<string, S3Object>>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly ids: IdGenerator,
  ) {}

  /** Forgets every bucket. */
  reset(): void {
    this.buckets.clear();
  }

  /** Loads `scenario.s3.buckets` (bucket -> key -> body). */
  load(buckets: Record<string, Record<string, string>> | undefined): void {
    for (const [name, objects] of Object.entries(buckets ?? {})) {
      const bucket = this.#bucketOrCreate(name);
      for (const [key, body] of Object.entries(objects))
        bucket.set(key, this.#object(Buffer.from(body), undefined));
    }
  }

  /** Stores an object directly (tests and the demo use it to prepare files). */
  putObject(bucket: string, key: string, body: string | Buffer, contentType?: string): S3Object {
    const object = this.#object(Buffer.from(body), contentType);
    this.#bucketOrCreate(bucket).set(key, object);
    return object;
  }

  /** Runs one S3 request. */
  handle(req: S3Request, requestId: string): HttpAnswer {
    const action = s3Action(req);
    const base = { "x-amz-request-id": requestId };
    if (action === "ListBuckets") {
      const buckets = [...this.buckets.keys()].map((Name) => ({ Name, CreationDate: this.clock.now() }));
      const xml = `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>sandbox</ID></Owner><Buckets>${buckets
        .map((b) => toXml("Bucket", b))
        .join("")}</Buckets></ListAllMyBucketsResult>`;
      return { status: 200, headers: { ...base, "content-type": "application/xml" }, body: xml };
    }
    const name = req.bucket!;
    if (action === "CreateBucket") {
      // us-east-1 answers 200 to a repeated CreateBucket by the owner; the sandbox does the same.
      this.#bucketOrCreate(name);
      return { status: 200, headers: { ...base, location: `/${name}` }, body: "" };
    }
    const bucket = this.buckets.get(name);
    if (!bucket) throw new SandboxServiceError("NoSuchBucket", "The specified bucket does not exist", 404);
    switch (action) {
      case "DeleteBucket":
        if (bucket.size > 0) {
          throw new SandboxServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
        }
        this.buckets.delete(name);
        return { status: 204, headers: base, body: "" };
      case "HeadBucket":
        return { status: 200, headers: base, body: "" };
      case "ListObjectsV2":
      case "ListObjects":
        return {
          status: 200,
          headers: { ...base, "content-type": "application/xml" },
          body: this.#list(name, bucket, req.query),
        };
      case "PutObject": {
        const encoding = String(req.headers["content-encoding"] ?? "");
        const sha = String(req.headers["x-amz-content-sha256"] ?? "");
        const chunked = encoding.includes("aws-chunked") || sha.startsWith("STREAMING-");
        const object = this.#object(
          chunked ? decodeAwsChunked(req.body) : req.body,
          typeof req.headers["content-type"] === "string" ? req.headers["content-type"] : undefined,
        );
        bucket.set(req.key!, object);
        return {
          status: 200,
          headers: { ...base, etag: object.etag, "x-amz-version-id": object.versionId },
          body: "",
        };
      }
      case "DeleteObject":
        bucket.delete(req.key!);
        return { status: 204, headers: base, body: "" };
      default: {
        const object = bucket.get(req.key!);
        if (!object) throw new SandboxServiceError("NoSuchKey", "The specified key does not exist.", 404);
        const headers = {
          ...base,
          etag: object.etag,
          "x-amz-version-id": object.versionId,
          "last-modified": object.lastModified.toUTCString(),
          "content-type": object.contentType,
          "content-length": String(object.body.length),
        };
        return { status: 200, headers, body: action === "HeadObject" ? "" : object.body };
      }
    }
  }

  #list(name: string, bucket: Map<string, S3Object>, query: URLSearchParams): string {
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const maxKeys = Math.min(Number(query.get("max-keys") ?? "1000"), 1000);
    const after = query.get("continuation-token")
      ? Buffer.from(query.get("continuation-token")!, "base64url").toString("utf8")
      : (query.get("start-after") ?? "");
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = "";
    let truncated = false;
    for (const key of keys) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      last = key;
      if (delimiter) {
        const idx = key.indexOf(delimiter, prefix.length);
        if (idx !== -1) {
          prefixes.add(key.slice(0, idx + delimiter.length));
          continue;
        }
      }
      const o = bucket.get(key)!;
      contents.push(
        `<Contents><Key>${escapeXml(key)}</Key><LastModified>${isoSeconds(o.lastModified)}</LastModified>` +
          `<ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      );
    }
    const common = [...prefixes].map(
      (p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`,
    );
    return (
      `<ListBucketResult xmlns="${S3_NS}"><Name>${escapeXml(name)}</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
      `<KeyCount>${contents.length + common.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      (delimiter ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : "") +
      `<IsTruncated>${truncated}</IsTruncated>${contents.join("")}${common.join("")}` +
      (truncated
        ? `<NextContinuationToken>${Buffer.from(last, "utf8").toString("base64url")}</NextContinuationToken>`
        : "") +
      `</ListBucketResult>`
    );
  }

  #bucketOrCreate(name: string): Map<string, S3Object> {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = new Map();
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  #object(body: Buffer, contentType: string | undefined): S3Object {
    return {
      body,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      versionId: this.ids.next("", 32).replace(/[^A-Za-z0-9]/g, "x"),
      lastModified: this.clock.now(),
      contentType: contentType ?? "application/octet-stream",
    };
  }
}

/** S3's XML error body. */
export function s3ErrorXml(error: SandboxServiceError, requestId: string, resource: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message><Resource>${escapeXml(resource)}</Resource>` +
    `<RequestId>${requestId}</RequestId></Error>`
  );
}
