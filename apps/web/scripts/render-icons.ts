/**
 * Renders the app's PNG icons (home screen, install prompt) from the SVG sources with Chromium, so
 * the PNGs are exact renderings of the committed vector art. Run after editing an icon:
 *   npx tsx apps/web/scripts/render-icons.ts
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const icons = path.join(path.dirname(fileURLToPath(import.meta.url)), "../public/icons");
const targets = [
  { svg: "icon.svg", png: "icon-192.png", size: 192 },
  { svg: "icon.svg", png: "icon-512.png", size: 512 },
  { svg: "icon-maskable.svg", png: "icon-maskable-512.png", size: 512 },
];

// Playwright gives the browser a fresh temporary profile of its own.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  for (const t of targets) {
    const page = await browser.newPage({ viewport: { width: t.size, height: t.size } });
    const svg = fs.readFileSync(path.join(icons, t.svg), "utf8");
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace("<svg ", `<svg width="${t.size}" height="${t.size}" `)}</body></html>`,
    );
    await page.screenshot({ path: path.join(icons, t.png), omitBackground: true });
    await page.close();
    console.log(`${t.png} (${t.size}×${t.size})`);
  }
} finally {
  await browser.close();
}
