import { describe, expect, it } from "vitest";
import {
  bucketise,
  duration,
  MAX_TIMELINE_PEOPLE,
  scriptSafeJson,
  timelineChart,
  toHtmlReport,
} from "../../../lambdas/report/html.ts";
import { type JsonPersonTimeline, toJsonReport } from "../../../lambdas/report/json.ts";
import { ALL_REPORT_FIXTURES, HOSTILE, scanReportFixture } from "../../support/scan-report-fixture.ts";

function embeddedJson(html: string): unknown {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error("no embedded data");
  return JSON.parse(match[1]);
}

describe("toHtmlReport", () => {
  it.each(ALL_REPORT_FIXTURES)(
    "is self-contained: no external script, style, image or frame (%s)",
    (_n, fixture) => {
      const html = toHtmlReport(fixture());

      expect(html).not.toMatch(/<script[^>]+src=/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/<img\b/i);
      expect(html).not.toMatch(/<iframe\b|<object\b|<embed\b/i);
      expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
      expect(html).not.toMatch(/@import/i);
      // The only http(s) URLs are documentation links in <a href> (rule references).
      const hrefs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
      for (const href of hrefs) expect(href).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(html).toContain("Content-Security-Policy");
      expect(html).toContain("default-src &#39;none&#39;");
    },
  );

  it("escapes every hostile value", () => {
    const html = toHtmlReport(scanReportFixture());

    expect(html).not.toContain(HOSTILE.script);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("=HYPERLINK(&quot;http://x&quot;,&quot;click me&quot;)");
    expect(html).toContain("O&#39;Brien");
    // Exactly two script elements: the data and the code.
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it("embeds the JSON report, with no character that could end the script element", () => {
    const report = scanReportFixture();
    const html = toHtmlReport(report);
    const block = /id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";

    expect(block).not.toContain("<");
    expect(embeddedJson(html)).toEqual(toJsonReport(report));
    expect(scriptSafeJson({ a: "</script><!--\u2028" })).toBe(
      '{"a":"\\u003c/script\\u003e\\u003c!--\\u2028"}',
    );
  });

  it("shows the summary cards, the timeline, both charts and the tables", () => {
    const html = toHtmlReport(scanReportFixture());

    for (const id of [
      "summary",
      "chart-timeline",
      "chart-age",
      "chart-linger",
      "findings",
      "people",
      "sources",
    ]) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/<div class="n">4<\/div><div class="l">Revoked<\/div>/);
    expect(html).toContain("revoked in 3d 0h");
  });

  it("formats durations and fills histogram buckets", () => {
    expect(duration(3 * 86_400 + 180)).toBe("3d 0h");
    expect(duration(3_700)).toBe("1h 1m");
    expect(duration(12)).toBe("12s");
    expect(bucketise([0, 5, 40, 400], [30, 90], ["<30", "30-90", "90+"])).toEqual([
      { label: "<30", count: 2 },
      { label: "30-90", count: 1 },
      { label: "90+", count: 1 },
    ]);
  });

  /** A departed person as the timeline reads them: still active for `lingering` days, or revoked. */
  const FINISHED_AT = "2026-06-01T12:00:00.000Z";
  const DAY = 86_400_000;
  function timelinePerson(
    i: number,
    state: { lingeringDays: number } | { revoked: true; incident: boolean },
  ): JsonPersonTimeline {
    const open = "lingeringDays" in state;
    return {
      key: `E${i}`,
      employeeId: `E${i}`,
      email: `p${i}@corp.example`,
      displayName: null,
      departedAt: open
        ? new Date(Date.parse(FINISHED_AT) - state.lingeringDays * DAY).toISOString()
        : "2026-05-01T00:00:00.000Z",
      firstRevocationAt: open ? null : "2026-05-01T01:00:00.000Z",
      lastVerifiedRevocationAt: open ? null : "2026-05-01T01:00:00.000Z",
      secondsToRevoke: open ? null : 3600,
      secondsLingering: open ? state.lingeringDays * 86_400 : null,
      usedAfterDeparture: open ? false : state.incident,
      credentials: open
        ? { total: 1, revoked: 0, ticketed: 0, held: 0, open: 1 }
        : { total: 1, revoked: 1, ticketed: 0, held: 0, open: 0 },
      findingIds: [`f-${i}`],
    };
  }

  it("draws the timeline of 200,000 departed people (one argument per person would overflow the stack)", () => {
    // Prepare: only what the timeline reads. The earliest departure is the last person's.
    const people = Array.from({ length: 200_000 }, (_, i) =>
      timelinePerson(i, { lingeringDays: (i % 300) + 1 }),
    );
    people[people.length - 1] = timelinePerson(199_999, { lingeringDays: 400 });

    // Act
    const svg = timelineChart({ finishedAt: FINISHED_AT, people });

    // Assess: the page says how many it shows; the longest still active are drawn (the one who
    // left 400 days ago among them), and the axis starts at the earliest departure drawn.
    expect(svg.match(/<g class="person">/g)).toHaveLength(MAX_TIMELINE_PEOPLE);
    expect(svg).toContain(`The ${MAX_TIMELINE_PEOPLE} of 200000 people most in need of a look`);
    expect(svg).toContain("p199999@corp.example");
    expect(svg).toContain(
      `>${new Date(Date.parse(FINISHED_AT) - 400 * DAY).toISOString().slice(0, 10)}</text>`,
    );
  });

  it("draws everyone up to the cap, incidents always among those drawn above it", () => {
    // Prepare
    const person = (i: number, incident: boolean) => timelinePerson(i, { revoked: true, incident });
    const few = Array.from({ length: MAX_TIMELINE_PEOPLE }, (_, i) => person(i, false));
    const many = Array.from({ length: 5 * MAX_TIMELINE_PEOPLE }, (_, i) => person(i, i === 450));

    // Act
    const all = timelineChart({ finishedAt: FINISHED_AT, people: few });
    const capped = timelineChart({ finishedAt: FINISHED_AT, people: many });

    // Assess
    expect(all.match(/<g class="person">/g)).toHaveLength(MAX_TIMELINE_PEOPLE);
    expect(all).not.toContain("most in need of a look");
    expect(capped.match(/<g class="person">/g)).toHaveLength(MAX_TIMELINE_PEOPLE);
    expect(capped).toContain("p450@corp.example");
  });
});
