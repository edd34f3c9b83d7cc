/**
 * Looks through copied files for what must not be in them, in every form it could take: text as
 * UTF-8 and UTF-16LE, secrets as raw bytes, hex and base64. Used by the tests of a copied, seized or
 * erased device (THREAT-MODEL.md).
 */
import fs from "node:fs";
import path from "node:path";

export interface Needle {
  label: string;
  forms: Buffer[];
}

/** A piece of text a person wrote or reads (message, group name, person's name, place). */
export function textNeedle(label: string, text: string): Needle {
  return { label, forms: [Buffer.from(text, "utf8"), Buffer.from(text, "utf16le")] };
}

/** A secret: its bytes, their hex (either case) and their base64 (any of the three alignments). */
export function secretNeedle(label: string, bytes: Uint8Array): Needle {
  const raw = Buffer.from(bytes);
  const forms = [raw, Buffer.from(raw.toString("hex")), Buffer.from(raw.toString("hex").toUpperCase())];
  // A secret inside a longer base64 string is encoded at one of three offsets: drop the unstable
  // characters at both ends of each.
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), raw]).toString("base64");
    const start = Math.ceil((shift * 4) / 3) + 1;
    forms.push(Buffer.from(b64.slice(start, b64.length - 4)));
  }
  return { label, forms };
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Which needles appear in which files ("label in file"), or an empty list. */
export function scan(files: string[], needles: Needle[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const data = fs.readFileSync(file);
    for (const n of needles) {
      if (n.forms.some((f) => f.length > 0 && data.includes(f)))
        found.push(`${n.label} in ${path.basename(file)}`);
    }
  }
  return found;
}

/** Pieces of a secret state blob worth looking for: 16-byte windows that are not mostly one byte. */
export function windowsOf(label: string, blob: Uint8Array, count = 24): Needle[] {
  const out: Needle[] = [];
  const step = Math.max(16, Math.floor(blob.length / count));
  for (let i = 0; i + 16 <= blob.length && out.length < count; i += step) {
    const w = blob.subarray(i, i + 16);
    if (new Set(w).size < 12) continue;
    out.push({ label: `${label}[${i}]`, forms: [Buffer.from(w)] });
  }
  return out;
}
