/**
 * The frame of every public page: language, title, OpenGraph tags, the one stylesheet, a header
 * and a footer. Every page works the same without JavaScript; the pages where people answer carry
 * one same-origin script (`/answer.js`, never inline) that seals the answer in the browser.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { type Html, html } from "./html.ts";
import { STYLESHEET_PATH } from "./style.ts";

export interface PageHead {
  title: string;
  /** OpenGraph and meta description. */
  description?: string;
  /** Absolute URL of the page (og:url). */
  url?: string;
  /** Absolute http(s) image URL (og:image). */
  image?: string | null;
  /** Keep out of search engines (private links). */
  noindex?: boolean;
  /** Carries `/answer.js` (send it with `SCRIPT_PAGE`'s Content-Security-Policy). */
  script?: boolean;
}

/** The public pages' one script (browser/main.ts, bundled by the node). */
export const ANSWER_SCRIPT_PATH = "/answer.js";

export function page(head: PageHead, body: Html): string {
  const description = head.description ? [...head.description].slice(0, 300).join("") : undefined;
  return `<!doctype html>\n${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${head.title}</title>
${description ? html`<meta name="description" content="${description}">` : ""}
${head.noindex ? html`<meta name="robots" content="noindex, nofollow">` : ""}
<meta property="og:title" content="${head.title}">
<meta property="og:type" content="website">
${description ? html`<meta property="og:description" content="${description}">` : ""}
${head.url ? html`<meta property="og:url" content="${head.url}">` : ""}
${head.image ? html`<meta property="og:image" content="${head.image}">` : ""}
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${head.script ? html`<script src="${ANSWER_SCRIPT_PATH}" defer></script>` : ""}
</head>
<body>
<header class="site"><a href="/events">Public events</a></header>
<main>
${body}
</main>
<footer class="site"><p>Served by a Rally node. Pages here are public.</p></footer>
</body>
</html>
`.html
  }`;
}
