import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHtmlReport } from "../../lambdas/report/html.ts";
import { scanReportFixture } from "../support/scan-report-fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "../..");
const hasChromium = existsSync(CHROMIUM);

describe("the HTML report in a browser", () => {
  let dir: string;
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) return;
    dir = mkdtempSync(join(tmpdir(), "iam-hygiene-report-"));
    const file = join(dir, "report.html");
    writeFileSync(file, toHtmlReport(scanReportFixture()));
    // A throwaway profile, so nothing of the machine's own Chromium state leaks in.
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      viewport: { width: 1400, height: 1000 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) problems.push(`network: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)("renders with no console errors, page errors or network requests", async () => {
    await expect(page.locator("#shown").textContent()).resolves.toBe("22 of 22 findings");
    expect(await page.locator("#chart-timeline .person").count()).toBe(4);
    // Hostile names are text, not markup: the script never ran and the text shows as written.
    const cell = page.locator("#people tbody td", { hasText: "<script>alert(1)</script>" });
    expect(await cell.count()).toBe(1);
    expect(await cell.isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });

  it.skipIf(!hasChromium)("sorts the findings when a header is clicked", async () => {
    const ages = () =>
      page.$$eval("#findings tbody tr", (rows) =>
        rows.map((r) => r.querySelectorAll("td")[5]?.getAttribute("data-value") ?? ""),
      );
    const before = await ages();

    await page.locator("#findings th", { hasText: "Age (days)" }).getByRole("button").click();
    const ascending = (await ages()).map(Number);
    await page.locator("#findings th", { hasText: "Age (days)" }).getByRole("button").click();
    const descending = (await ages()).map(Number);

    expect(ascending).not.toEqual(before.map(Number));
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.locator("#findings th", { hasText: "Age (days)" }).getAttribute("aria-sort")).toBe(
      "descending",
    );
  });

  it.skipIf(!hasChromium)("filters by text and by severity, hiding the other rows", async () => {
    const visible = () => page.locator("#findings tbody tr:not([hidden])").count();

    await page.locator("#filter").fill("bsmith");
    const byText = await visible();
    await page.locator("#filter").fill("");
    await page.locator("#severity").selectOption("critical");
    const bySeverity = await visible();
    await page.locator("#severity").selectOption("");

    // Bob's four findings (the alias bsmith is in each one's match evidence).
    expect(byText).toBe(4);
    expect(bySeverity).toBe(2);
    await expect(page.locator("#shown").textContent()).resolves.toBe("22 of 22 findings");
    expect(problems).toEqual([]);
  });

  it.skipIf(!hasChromium)(
    "saves a screenshot (docs/images/report.png with UPDATE_SCREENSHOT=1)",
    async () => {
      const target =
        process.env.UPDATE_SCREENSHOT === "1"
          ? join(ROOT, "docs/images/report.png")
          : join(dir, "report.png");
      // The page as a reader first sees it, not as the sorting test left it.
      await page.reload();
      await page.setViewportSize({ width: 1400, height: 1150 });
      await page.locator("header").scrollIntoViewIfNeeded();
      await page.screenshot({ path: target, fullPage: false });
      expect(existsSync(target)).toBe(true);
    },
  );
});
