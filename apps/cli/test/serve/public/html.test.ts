/** Escaping by construction in the public pages' HTML template, and safe links. */
import { describe, expect, it } from "vitest";
import { escapeHtml, html, paragraphs, safeLink } from "../../../src/serve/public/html.ts";

describe("page HTML", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    const evil = `"><script>alert('x')</script>&`;
    const out = html`<p title="${evil}">${evil}</p>`.html;
    expect(out).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
    expect(out).not.toContain("<script");
  });

  it("nests markup made by the template, escapes lists, drops empty values", () => {
    const items = ["a<b", "c"].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}${null}${false}${undefined}${0}</ul>`.html).toBe(
      "<ul><li>a&lt;b</li><li>c</li>0</ul>",
    );
    // A plain object that looks like markup is not trusted: only the template makes Html.
    expect(html`${"<b>" as string}`.html).toBe("&lt;b&gt;");
  });

  it("turns plain text into paragraphs and line breaks, escaped", () => {
    expect(paragraphs("one <i>\ntwo\n\n\nthree").html).toBe("<p>one &lt;i&gt;<br>two</p><p>three</p>");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });

  it("links only to http(s) without credentials", () => {
    expect(safeLink("https://example.org/a b")).toBe("https://example.org/a%20b");
    for (const bad of [
      "javascript:alert(1)",
      "data:text/html,x",
      "https://u:p@example.org/",
      "//x",
      "",
      null,
    ]) {
      expect(safeLink(bad)).toBeNull();
    }
  });
});
