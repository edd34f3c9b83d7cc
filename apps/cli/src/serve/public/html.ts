/**
 * HTML for the public pages, escaped by construction: the `html` template escapes every value put
 * into it unless the value is itself `Html` made by this template. Text people wrote (titles,
 * descriptions, names) can only reach a page as escaped text, in element content or in quoted
 * attributes alike.
 *
 * Runs in: Node (`rally serve`); pure.
 */

export interface Html {
  readonly html: string;
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function isHtml(value: unknown): value is Html {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "html" in value;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  if (isHtml(value)) return value.html;
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every `${value}` is escaped (or nested `Html`). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return { html: out };
}

/** Paragraphs from plain text: blank lines part paragraphs, single line breaks stay as `<br>`. */
export function paragraphs(text: string): Html {
  const parts = text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  return html`${parts.map(
    (p) => html`<p>${p.split("\n").map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`,
  )}`;
}

/** An http(s) URL safe to put in `href`, or null (no `javascript:`, no data, no credentials). */
export function safeLink(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    if (parsed.username || parsed.password) return null;
    return parsed.href;
  } catch {
    return null;
  }
}
