/**
 * The public pages' one stylesheet, served from the same origin (the pages' Content-Security-Policy
 * allows no inline style). Plain, readable, high-contrast; works on a phone.
 *
 * Runs in: Node (`rally serve`); pure.
 */

export const STYLESHEET_PATH = "/pages.css";

export const STYLESHEET = `
:root { color-scheme: light; --ink: #1b1b1f; --muted: #4a4a55; --line: #c9c9d2; --accent: #1d4ed8; --bad: #9b1c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
header.site, footer.site { padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
footer.site { border-top: 1px solid var(--line); border-bottom: 0; margin-top: 2rem; color: var(--muted); font-size: .9rem; }
header.site a { color: var(--ink); font-weight: 600; text-decoration: none; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; }
a { color: var(--accent); }
.meta { color: var(--muted); }
.cancelled { color: var(--bad); font-weight: 700; letter-spacing: .05em; }
.notice { border-left: 4px solid var(--accent); background: #eef2ff; padding: .5rem .75rem; }
.problems { border-left: 4px solid var(--bad); background: #fdecec; padding: .5rem .75rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ul.events { list-style: none; padding: 0; }
ul.events li { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; margin: .5rem 0; }
form.stack label { display: block; font-weight: 600; margin-top: .75rem; }
form.stack input, form.stack textarea, form.stack select { width: 100%; font: inherit; padding: .4rem; border: 1px solid #6b6b78; border-radius: .25rem; }
form.stack fieldset { border: 1px solid var(--line); margin-top: .75rem; }
form.stack fieldset label { display: inline; font-weight: 400; margin-right: 1rem; }
form.stack fieldset input { width: auto; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form.inline label { display: flex; flex-direction: column; font-weight: 600; }
form.inline input, form.inline select { font: inherit; padding: .3rem; border: 1px solid #6b6b78; border-radius: .25rem; }
button { font: inherit; margin-top: .75rem; padding: .5rem 1rem; border: 0; border-radius: .25rem; background: var(--accent); color: #fff; cursor: pointer; }
.private-link { word-break: break-all; background: #fff; border: 1px solid var(--line); padding: .5rem; }
`;
