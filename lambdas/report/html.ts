/**
 * The HTML report: one self-contained file a person opens from an email or a bucket. No
 * external assets and no network: CSS, JS and SVG charts are inline, and a Content Security
 * Policy (hashes of the one style and one script) forbids anything else. Every value is
 * escaped with `escapeHtml`; the data is also embedded as JSON (`<` written `\u003c`) for
 * anyone who wants to script against the file.
 */
import { createHash } from "node:crypto";
import { SEVERITIES, type Severity } from "../core/model.ts";
import { escapeHtml } from "../core/text-safety.ts";
import type { ScanReport } from "../scan.ts";
import {
  type JsonFinding,
  type JsonPersonTimeline,
  type JsonReport,
  type ReportMeta,
  toJsonReport,
} from "./json.ts";

/** Options of `toHtmlReport`. */
export interface HtmlOptions {
  /** The page title. @default "iam-hygiene scan <scanId>" */
  readonly title?: string;
}

const e = escapeHtml;
const DAY = 86_400;

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Info",
};

/** `2026-06-01 12:00 UTC`: readable, unambiguous, the same for every reader. */
function when(iso: string | null): string {
  if (!iso) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `3d 4h`, `5h 12m`, `40s`: the two largest units. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / DAY);
  const h = Math.floor((s % DAY) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** JSON that is safe inside a `<script>` element: nothing in it can close the element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Only plain https links to documentation are ever rendered as links. */
function safeLink(url: string | null, text: string): string {
  if (!url || !/^https:\/\/[^\s"'<>]+$/.test(url)) return e(text);
  return `<a href="${e(url)}" rel="noopener noreferrer" target="_blank">${e(text)}</a>`;
}

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--card:#fff;--critical:#b3261e;--high:#d9480f;--medium:#a16207;--low:#1d4ed8;--info:#6b7280;--ok:#1a7f37;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#0f172a;color:#e2e8f0;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:600;color:#fff}
header .meta{display:flex;flex-wrap:wrap;gap:6px 22px;font-size:13px;color:#cbd5e1}
header .meta b{color:#fff;font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;letter-spacing:.02em}
.badge.enforce{background:#dcfce7;color:#14532d}.badge.report{background:#e0e7ff;color:#1e3a8a}
main{padding:20px 32px 40px;max-width:1400px;margin:0 auto}
section{margin-top:26px}
h2{font-size:16px;margin:0 0 10px;font-weight:600}
.banner{margin-top:16px;padding:10px 14px;border-radius:6px;border:1px solid;font-weight:500}
.banner.danger{background:#fef2f2;border-color:#fecaca;color:#7f1d1d}
.banner.warn{background:#fffbeb;border-color:#fde68a;color:#78350f}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(108px,1fr));gap:10px;margin-top:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;border-top:4px solid var(--line)}
.card .n{font-size:26px;font-weight:650;line-height:1.2}
.card .l{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card.critical{border-top-color:var(--critical)}.card.critical .n{color:var(--critical)}
.card.high{border-top-color:var(--high)}.card.high .n{color:var(--high)}
.card.medium{border-top-color:var(--medium)}.card.medium .n{color:var(--medium)}
.card.low{border-top-color:var(--low)}.card.low .n{color:var(--low)}
.card.info{border-top-color:var(--info)}
.card.ok{border-top-color:var(--ok)}.card.ok .n{color:var(--ok)}
.card.warn{border-top-color:var(--warn)}.card.alert{border-top-color:var(--critical)}.card.alert .n{color:var(--critical)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;overflow-x:auto}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
svg{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--fg)}
svg .axis{stroke:var(--line)}svg .muted{fill:var(--muted)}
svg .bar{fill:#64748b}svg .bar.age{fill:#6366f1}svg .bar.linger{fill:#d97706}
svg .span.revoked{fill:var(--ok)}svg .span.open{fill:var(--warn)}svg .span.incident{fill:var(--critical)}
svg .dot{fill:#0f172a}svg .tick{stroke:#eef1f4}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:10px}
.controls input,.controls select{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:#fff}
.controls input{min-width:280px}.controls .count{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:7px 9px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:#f1f5f9;position:sticky;top:0;font-weight:600;white-space:nowrap}
#people th{white-space:normal}
th button{all:unset;cursor:pointer;display:inline-flex;gap:4px;align-items:center}
th button::after{content:"\\2195";color:#94a3b8;font-size:11px}
th[aria-sort=ascending] button::after{content:"\\2191";color:var(--fg)}
th[aria-sort=descending] button::after{content:"\\2193";color:var(--fg)}
tbody tr:hover{background:#f8fafc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;min-width:64px;text-align:center;padding:1px 8px;border-radius:4px;font-size:12px;font-weight:600;color:#fff}
.sev.critical{background:var(--critical)}.sev.high{background:var(--high)}.sev.medium{background:var(--medium)}.sev.low{background:var(--low)}.sev.info{background:var(--info)}
.outcome{font-weight:600;font-size:12px}.outcome.revoked{color:var(--ok)}.outcome.revoke-failed,.outcome.held-by-brake{color:var(--critical)}.outcome.ticketed{color:var(--warn)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.muted{color:var(--muted)}
details summary{cursor:pointer;color:var(--low)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
dt{color:var(--muted)}dd{margin:0;word-break:break-word;white-space:pre-wrap}
ul.actions{margin:4px 0;padding-left:18px}
footer{color:var(--muted);font-size:12px;margin-top:30px}
.legend{display:flex;gap:16px;font-size:12px;color:var(--muted);margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.legend .revoked{background:var(--ok)}.legend .open{background:var(--warn)}.legend .incident{background:var(--critical)}
@media print{body{background:#fff}header{background:#fff;color:#000;border-bottom:2px solid #000}header h1,header .meta b{color:#000}header .meta{color:#333}.controls{display:none}tr[hidden]{display:table-row}details{display:block}details>*{display:block}thead th{position:static}.panel,.card{break-inside:avoid}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}
`;

const SCRIPT = `(function(){
"use strict";
var data=JSON.parse(document.getElementById("report-data").textContent);
function cellValue(row,i){var c=row.cells[i];if(!c)return "";return c.hasAttribute("data-value")?c.getAttribute("data-value"):c.textContent.trim();}
function sortTable(table,th){
var i=th.cellIndex,numeric=th.getAttribute("data-sort")==="number";
var dir=th.getAttribute("aria-sort")==="ascending"?"descending":"ascending";
var cells=th.parentNode.cells;for(var k=0;k<cells.length;k++){cells[k].removeAttribute("aria-sort");}
th.setAttribute("aria-sort",dir);
var f=dir==="ascending"?1:-1,body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var x=cellValue(a,i),y=cellValue(b,i);
if(numeric){var nx=x===""?-Infinity:Number(x),ny=y===""?-Infinity:Number(y);return (nx-ny)*f;}
return x.localeCompare(y)*f;});
rows.forEach(function(r){body.appendChild(r);});}
Array.prototype.forEach.call(document.querySelectorAll("table.sortable"),function(table){
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){
var b=th.querySelector("button");if(b){b.addEventListener("click",function(){sortTable(table,th);});}});});
var table=document.getElementById("findings");if(!table)return;
var rows=Array.prototype.slice.call(table.tBodies[0].rows);
var text=rows.map(function(r){return r.textContent.toLowerCase();});
var q=document.getElementById("filter"),sev=document.getElementById("severity"),out=document.getElementById("outcome"),count=document.getElementById("shown");
function apply(){var t=q.value.trim().toLowerCase(),s=sev.value,o=out.value,n=0;
rows.forEach(function(r,i){var ok=(!t||text[i].indexOf(t)>=0)&&(!s||r.getAttribute("data-severity")===s)&&(!o||r.getAttribute("data-outcome")===o);r.hidden=!ok;if(ok){n++;}});
count.textContent=n+" of "+data.findings.length+" findings";}
q.addEventListener("input",apply);sev.addEventListener("change",apply);out.addEventListener("change",apply);apply();
})();`;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

function card(n: number | string, label: string, tone: string): string {
  return `<div class="card ${e(tone)}"><div class="n">${e(String(n))}</div><div class="l">${e(label)}</div></div>`;
}

function personName(p: {
  displayName: string | null;
  email: string | null;
  employeeId: string | null;
}): string {
  return p.displayName ?? p.email ?? p.employeeId ?? "unknown";
}

interface Bucket {
  readonly label: string;
  readonly count: number;
}

/** Counts values into buckets by upper bounds (the last bucket is open-ended). */
export function bucketise(
  values: readonly number[],
  bounds: readonly number[],
  labels: readonly string[],
): Bucket[] {
  const counts = labels.map(() => 0);
  for (const v of values) {
    let i = bounds.findIndex((b) => v < b);
    if (i < 0) i = labels.length - 1;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return labels.map((label, i) => ({ label, count: counts[i] ?? 0 }));
}

function histogram(
  id: string,
  title: string,
  subtitle: string,
  buckets: readonly Bucket[],
  tone: string,
): string {
  const width = 520;
  const height = 250;
  const left = 36;
  const bottom = 40;
  const top = 50;
  const plotH = height - top - bottom;
  const plotW = width - left - 12;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(8, slot * 0.66);
  const ticks = [0, Math.ceil(max / 2), max].filter((v, i, a) => a.indexOf(v) === i);
  const parts: string[] = [
    `<svg id="${e(id)}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${e(id)}-t">`,
    `<title id="${e(id)}-t">${e(title)}</title>`,
    `<text x="0" y="14" font-weight="600">${e(title)}</text>`,
    `<text x="0" y="28" class="muted">${e(subtitle)}</text>`,
  ];
  for (const t of ticks) {
    const y = top + plotH - (t / max) * plotH;
    parts.push(
      `<line class="tick" x1="${left}" x2="${width - 8}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`,
    );
    parts.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="muted">${t}</text>`);
  }
  buckets.forEach((b, i) => {
    const h = (b.count / max) * plotH;
    const x = left + i * slot + (slot - barW) / 2;
    const y = top + plotH - h;
    parts.push(
      `<rect class="bar ${e(tone)}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" rx="2"><title>${e(`${b.label}: ${b.count}`)}</title></rect>`,
    );
    if (b.count > 0) {
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${b.count}</text>`,
      );
    }
    parts.push(
      `<text x="${(x + barW / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" class="muted">${e(b.label)}</text>`,
    );
  });
  parts.push(
    `<line class="axis" x1="${left}" x2="${width - 8}" y1="${top + plotH}" y2="${top + plotH}"/>`,
    "</svg>",
  );
  return parts.join("");
}

function ageChart(json: JsonReport): string {
  const seen = new Map<string, number>();
  for (const f of json.findings)
    if (f.credentialId && f.ageDays !== null) seen.set(f.credentialId, f.ageDays);
  const buckets = bucketise(
    [...seen.values()],
    [30, 90, 180, 365, 730, 1095],
    ["<30d", "30–90d", "90–180d", "180d–1y", "1–2y", "2–3y", "3y+"],
  );
  return histogram(
    "chart-age",
    "Credential age",
    `${seen.size} credential(s) with findings, by age`,
    buckets,
    "age",
  );
}

/** Departure to revocation (revoked) or to the end of the scan (still active), per credential of a departed person. */
function lingeringSeconds(json: JsonReport): number[] {
  const byCredential = new Map<string, number>();
  const end = Date.parse(json.finishedAt);
  for (const f of json.findings) {
    if (!f.person || !f.credentialId || f.rule !== "departed-owner-active-credential") continue;
    const departed = Date.parse(f.person.departedAt);
    if (departed > end) continue;
    const verified = f.actions.find((a) => a.type === "verify" && a.status === "verified")?.at;
    const until = verified ? Date.parse(verified) : end;
    byCredential.set(f.credentialId, Math.max(0, (until - departed) / 1000));
  }
  return [...byCredential.values()];
}

function lingerChart(json: JsonReport): string {
  const values = lingeringSeconds(json);
  const buckets = bucketise(
    values.map((s) => s / DAY),
    [1, 3, 7, 30, 90],
    ["<1d", "1–3d", "3–7d", "7–30d", "30–90d", "90d+"],
  );
  return histogram(
    "chart-linger",
    "Lingering time",
    `${values.length} credential(s) of departed people: departure to revocation, or to now if still active`,
    buckets,
    "linger",
  );
}

/**
 * The "from departure to revocation" chart: one row per departed person holding a credential,
 * on an axis from the earliest departure to the end of the scan.
 */
export function timelineChart(json: Pick<JsonReport, "people" | "finishedAt">): string {
  const departed = json.people.filter((p) => Date.parse(p.departedAt) <= Date.parse(json.finishedAt));
  if (departed.length === 0) return `<p class="muted">Nobody on the departure list holds a credential.</p>`;
  const people = timelineRows(departed);
  const end = Date.parse(json.finishedAt);
  // A loop, not Math.min(...): spreading one argument per person overflows the stack at ~125k.
  let start = end;
  for (const p of people) start = Math.min(start, Date.parse(p.departedAt));
  const span = Math.max(end - start, 86_400_000);
  const width = 1000;
  const labelW = 230;
  const rightW = 150;
  const rowH = 30;
  const top = 26;
  const plotW = width - labelW - rightW;
  const height = top + people.length * rowH + 10;
  const x = (t: number) => labelW + ((t - start) / span) * plotW;
  const parts: string[] = [
    `<svg id="chart-timeline" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-timeline-t">`,
    `<title id="chart-timeline-t">Departure to revocation, per person</title>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const t = start + (span * i) / 4;
    const tx = x(t);
    parts.push(
      `<line class="tick" x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${top - 6}" y2="${height - 6}"/>`,
    );
    parts.push(
      `<text x="${tx.toFixed(1)}" y="${top - 10}" text-anchor="middle" class="muted">${e(new Date(t).toISOString().slice(0, 10))}</text>`,
    );
  }
  people.forEach((p, i) => {
    const y = top + i * rowH + 8;
    const departed = Date.parse(p.departedAt);
    const revokedAt = p.lastVerifiedRevocationAt ? Date.parse(p.lastVerifiedRevocationAt) : undefined;
    const open = p.secondsLingering !== null;
    const until = open || revokedAt === undefined ? end : revokedAt;
    const tone = p.usedAfterDeparture ? "incident" : open ? "open" : "revoked";
    const label = personName(p);
    const shown = label.length > 30 ? `${label.slice(0, 29)}…` : label;
    const status = open
      ? `${p.credentials.total - p.credentials.revoked} still active · ${duration(p.secondsLingering ?? 0)}`
      : `revoked in ${duration(p.secondsToRevoke ?? 0)}`;
    parts.push(`<g class="person"><title>${e(`${label} (${p.email ?? p.key}): ${status}`)}</title>`);
    parts.push(`<text x="0" y="${y + 10}">${e(shown)}</text>`);
    parts.push(
      `<rect class="span ${tone}" x="${x(departed).toFixed(1)}" y="${y}" width="${Math.max(3, x(until) - x(departed)).toFixed(1)}" height="13" rx="3"/>`,
    );
    parts.push(`<circle class="dot" cx="${x(departed).toFixed(1)}" cy="${y + 6.5}" r="4"/>`);
    if (revokedAt !== undefined) {
      const rx = x(revokedAt);
      parts.push(
        `<path class="dot" d="M${rx.toFixed(1)} ${y - 1} l5 7.5 l-5 7.5 l-5 -7.5 z"><title>${e(`last revocation verified ${when(p.lastVerifiedRevocationAt)}`)}</title></path>`,
      );
    }
    parts.push(`<text x="${width - rightW + 10}" y="${y + 10}" class="muted">${e(status)}</text></g>`);
  });
  parts.push("</svg>");
  const shown =
    people.length < departed.length
      ? `<p class="muted">The ${people.length} of ${departed.length} people most in need of a look: credentials used after departure first, then the longest still active, then the slowest revoked. The table below lists everyone.</p>`
      : "";
  return `${shown}${parts.join("")}<div class="legend"><span><i class="revoked"></i>all revoked</span><span><i class="open"></i>still active</span><span><i class="incident"></i>used after departure</span><span>● departure · ◆ last verified revocation</span></div>`;
}

/** Most people the timeline draws: a row each, so tens of thousands would be an unreadable page. */
export const MAX_TIMELINE_PEOPLE = 100;

/**
 * The people the timeline draws, in the report's order: all of them up to
 * `MAX_TIMELINE_PEOPLE`, else those most in need of a look (used after departure, then still
 * active the longest, then revoked the slowest).
 */
function timelineRows(people: readonly JsonPersonTimeline[]): readonly JsonPersonTimeline[] {
  if (people.length <= MAX_TIMELINE_PEOPLE) return people;
  const urgency = (p: JsonPersonTimeline): [number, number] => [
    p.usedAfterDeparture ? 2 : p.secondsLingering !== null ? 1 : 0,
    p.secondsLingering ?? p.secondsToRevoke ?? 0,
  ];
  const ranked = people
    .map((p, index) => ({ index, key: urgency(p) }))
    .sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1] || a.index - b.index)
    .slice(0, MAX_TIMELINE_PEOPLE)
    .sort((a, b) => a.index - b.index);
  return ranked.map(({ index }) => people[index]!);
}

function peopleTable(people: readonly JsonPersonTimeline[]): string {
  if (people.length === 0) return "";
  const rows = people.map((p) => {
    const c = p.credentials;
    return `<tr>
<td>${e(personName(p))}<div class="muted mono">${e(p.email ?? "")}${p.employeeId ? ` · ${e(p.employeeId)}` : ""}</div></td>
<td data-value="${e(p.departedAt)}">${e(when(p.departedAt))}</td>
<td data-value="${e(p.firstRevocationAt ?? "")}">${e(when(p.firstRevocationAt))}</td>
<td data-value="${e(p.lastVerifiedRevocationAt ?? "")}">${e(when(p.lastVerifiedRevocationAt))}</td>
<td class="num" data-value="${p.secondsToRevoke ?? ""}">${p.secondsToRevoke === null ? "—" : e(duration(p.secondsToRevoke))}</td>
<td class="num" data-value="${p.secondsLingering ?? ""}">${p.secondsLingering === null ? "—" : e(duration(p.secondsLingering))}</td>
<td class="num">${c.total}</td><td class="num">${c.revoked}</td><td class="num">${c.ticketed}</td><td class="num">${c.held}</td><td class="num">${c.open}</td>
<td>${p.usedAfterDeparture ? `<span class="sev critical">yes</span>` : "no"}</td>
</tr>`;
  });
  const th = (label: string, type: "text" | "number" = "text") =>
    `<th data-sort="${type}"><button type="button">${e(label)}</button></th>`;
  return `<table class="sortable" id="people"><thead><tr>${th("Person")}${th("Departed")}${th("First revocation")}${th("Last verified")}${th("Time to revoke", "number")}${th("Lingering", "number")}${th("Credentials", "number")}${th("Revoked", "number")}${th("Ticketed", "number")}${th("Held", "number")}${th("Open", "number")}${th("Used after departure")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function evidenceList(f: JsonFinding): string {
  const entries = Object.entries(f.evidence);
  const match = f.match
    ? `<dt>match</dt><dd>${e(`${f.match.by} (${f.match.strength}): ${f.match.evidence}`)}</dd>`
    : "";
  const actions = f.actions.length
    ? `<ul class="actions">${f.actions
        .map(
          (a) =>
            `<li><b>${e(a.type)}</b> ${e(a.status)} ${a.at ? `<span class="muted">${e(when(a.at))}</span>` : ""} — ${e(a.detail)}${a.error ? ` <span class="outcome revoke-failed">${e(`${a.error.name}: ${a.error.message}`)}</span>` : ""}</li>`,
        )
        .join("")}</ul>`
    : "";
  return `<details><summary>evidence</summary><dl><dt>finding</dt><dd class="mono">${e(f.id)}</dd>${f.credentialId ? `<dt>credential</dt><dd class="mono">${e(f.credentialId)}</dd>` : ""}<dt>why</dt><dd>${e(f.decision.why)}</dd>${match}${entries
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v === null ? "—" : String(v))}</dd>`)
    .join(
      "",
    )}${f.reference ? `<dt>reference</dt><dd>${safeLink(f.reference, f.reference)}</dd>` : ""}</dl>${actions}</details>`;
}

function findingsTable(json: JsonReport): string {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const rows = json.findings.map(
    (f) => `<tr data-severity="${e(f.severity)}" data-outcome="${e(f.outcome)}">
<td data-value="${rank(f.severity)}"><span class="sev ${e(f.severity)}">${e(SEVERITY_LABEL[f.severity])}</span></td>
<td>${e(f.title)}<div class="muted mono">${e(f.rule)}</div></td>
<td>${e(f.source ?? "run")}<div class="muted">${e(f.kind ?? "")}</div></td>
<td class="mono">${e(f.principal ?? "—")}<div class="muted">${e(f.account ?? "")}</div></td>
<td>${f.person ? `${e(personName(f.person))}<div class="muted">${e(f.person.email ?? "")}</div>` : "—"}</td>
<td class="num" data-value="${f.ageDays ?? ""}">${f.ageDays === null ? "—" : f.ageDays}</td>
<td data-value="${e(f.outcome)}"><span class="outcome ${e(f.outcome)}">${e(f.outcome)}</span><div class="muted">${e(f.decision.action)}</div></td>
<td>${e(f.summary)}${evidenceList(f)}</td>
</tr>`,
  );
  const th = (label: string, type: "text" | "number" = "text") =>
    `<th data-sort="${type}"><button type="button">${e(label)}</button></th>`;
  const outcomes = [...new Set(json.findings.map((f) => f.outcome))].sort();
  return `<div class="controls">
<input id="filter" type="search" placeholder="Filter: name, key id, rule, account…" aria-label="Filter findings">
<select id="severity" aria-label="Severity"><option value="">All severities</option>${[...SEVERITIES]
    .reverse()
    .map((s) => `<option value="${s}">${SEVERITY_LABEL[s]}</option>`)
    .join("")}</select>
<select id="outcome" aria-label="Outcome"><option value="">All outcomes</option>${outcomes
    .map((o) => `<option value="${e(o)}">${e(o)}</option>`)
    .join("")}</select>
<span class="count" id="shown"></span></div>
<table class="sortable" id="findings"><thead><tr>${th("Severity", "number")}${th("Rule")}${th("Source")}${th("Principal")}${th("Person")}${th("Age (days)", "number")}${th("Outcome")}${th("Summary")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function sourcesTable(json: JsonReport): string {
  const rows = json.sources.map(
    (
      s,
    ) => `<tr><td>${e(s.source)}</td><td class="num">${s.credentials}</td><td class="num">${s.problems.length}</td>
<td>${s.problems.map((p) => `<div>${e(`${p.subject}: ${p.errorName}: ${p.message}`)}</div>`).join("")}${s.notes.map((n) => `<div class="muted">${e(n)}</div>`).join("")}</td></tr>`,
  );
  return `<table id="sources"><thead><tr><th>Source</th><th>Credentials</th><th>Problems</th><th>Details</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function extras(json: JsonReport): string {
  const parts: string[] = [];
  if (json.departures.errors.length > 0) {
    parts.push(
      `<section><h2>Departure list problems</h2><div class="panel"><ul>${json.departures.errors
        .map((x) => `<li>${e(`line ${x.line}${x.field ? `, ${x.field}` : ""}: ${x.message}`)}</li>`)
        .join("")}</ul></div></section>`,
    );
  }
  if (json.resolved.length > 0) {
    parts.push(
      `<section><h2>Resolved since the last scan</h2><div class="panel"><table id="resolved"><thead><tr><th>Finding</th><th>Rule</th><th>Credential</th><th>First seen</th><th>Last seen</th></tr></thead><tbody>${json.resolved
        .map(
          (r) =>
            `<tr><td class="mono">${e(r.findingId)}</td><td>${e(r.rule)}</td><td class="mono">${e(r.credentialId ?? "—")}</td><td>${e(when(r.firstSeen))}</td><td>${e(when(r.lastSeen))}</td></tr>`,
        )
        .join("")}</tbody></table></div></section>`,
    );
  }
  if (json.notes.length > 0) {
    parts.push(
      `<section><h2>Notes</h2><div class="panel"><ul>${json.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul></div></section>`,
    );
  }
  return parts.join("");
}

/**
 * The HTML report of a scan: one self-contained page with summary cards, a per-person
 * timeline from departure to revocation, credential-age and lingering-time histograms, and
 * a findings table that sorts (click a header) and filters (text, severity, outcome).
 */
export function toHtmlReport(report: ScanReport, options: HtmlOptions = {}, meta?: ReportMeta): string {
  const json = toJsonReport(report, meta);
  const title = options.title ?? `iam-hygiene scan ${json.scanId}`;
  const csp = `default-src 'none'; style-src 'sha256-${sha256(STYLE)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const t = json.totals;
  const c = json.counts;
  const banners: string[] = [];
  if (json.brake.engaged) {
    banners.push(`<div class="banner danger">Revocation brake engaged: ${e(json.brake.reason ?? "")}</div>`);
  }
  if (json.departures.rejected) {
    banners.push(
      `<div class="banner danger">Departure list rejected: ${e(json.departures.rejectionReason ?? json.departures.origin)}. No departure drove any action.</div>`,
    );
  }
  if (!json.applied) {
    banners.push(
      `<div class="banner warn">Report mode: nothing was revoked; the actions below are what an enforce run would do.</div>`,
    );
  }
  const lingering = json.people.filter((p) => p.secondsLingering !== null).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="${e(`${json.generator.name} ${json.generator.version}`)}">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(title)}</h1>
<div class="meta">
<span><b>Mode</b> <span class="badge ${json.applied ? "enforce" : "report"}">${json.applied ? "ENFORCE · applied" : `${e(json.mode.toUpperCase())} · not applied`}</span></span>
<span><b>Trigger</b> ${e(json.trigger)}</span>
<span><b>Started</b> ${e(when(json.startedAt))}</span>
<span><b>Finished</b> ${e(when(json.finishedAt))}</span>
<span><b>Departure list</b> ${e(json.departures.origin)} (${json.departures.people} people)</span>
<span><b>Credentials seen</b> ${t.credentials}</span>
</div>
</header>
<main>
${banners.join("\n")}
<div class="cards" id="summary">
${card(c.critical, "Critical", "critical")}${card(c.high, "High", "high")}${card(c.medium, "Medium", "medium")}${card(c.low, "Low", "low")}${card(c.info, "Info", "info")}
${card(t.revoked, "Revoked", "ok")}${card(t.ticketed, "Ticketed", "warn")}${card(t.heldByBrake, "Held by brake", t.heldByBrake > 0 ? "alert" : "info")}${card(t.revokeFailed, "Revocations failed", t.revokeFailed > 0 ? "alert" : "info")}${card(t.peopleDeparted, "People departed", "info")}${card(t.usedAfterDeparture, "Used after departure", t.usedAfterDeparture > 0 ? "alert" : "info")}
</div>
<section><h2>From departure to revocation</h2><div class="panel">${timelineChart(json)}</div>
${lingering > 0 ? `<p class="muted">${lingering} person(s) still hold an active credential.</p>` : ""}
<div class="panel">${peopleTable(json.people)}</div></section>
<section><h2>Credential age and lingering time</h2><div class="charts"><div class="panel">${ageChart(json)}</div><div class="panel">${lingerChart(json)}</div></div></section>
<section><h2>Findings</h2><div class="panel">${findingsTable(json)}</div></section>
<section><h2>Sources</h2><div class="panel">${sourcesTable(json)}</div></section>
${extras(json)}
<footer>Generated ${e(when(json.generatedAt))} by ${e(json.generator.name)} ${e(json.generator.version)} · report schema ${e(json.schemaVersion)} · scan ${e(json.scanId)}</footer>
</main>
<script type="application/json" id="report-data">${scriptSafeJson(json)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
