/**
 * Quoting of untrusted text (user paths, a remote host's answers) for messages that reach a terminal or a log.
 * Escapes every character a terminal acts on or that reorders what is shown, so a message reads as what the text
 * is: C0 and C1 controls and DEL (ANSI escapes, carriage returns, newlines), the Unicode bidirectional overrides,
 * isolates and marks (the "Trojan Source" characters), the line and paragraph separators, and lone surrogates
 * (which a UTF-8 log would turn into U+FFFD, losing what they were). Pure.
 */

/** Escapes with a name of their own; the backslash and the quote so the escaping can be undone. */
const NAMED = new Map<number, string>([
  [0x09, "\\t"],
  [0x0a, "\\n"],
  [0x0d, "\\r"],
  [0x27, "\\'"],
  [0x5c, "\\\\"],
]);

/** Bidirectional formatting characters: marks, embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

/** U+2028 and U+2029: line breaks to some terminals and editors. */
const SEPARATORS = new Set([0x2028, 0x2029]);

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;
const isControl = (unit: number): boolean => unit < 0x20 || (unit >= 0x7f && unit <= 0x9f);

/**
 * `text` in single quotes with controls, DEL, bidi characters, U+2028/U+2029, lone surrogates, the backslash and
 * the quote escaped (`\n`, `\t`, `\r`, `\'`, `\\`, `\xHH` up to U+00FF, `\uHHHH` above). Injective: different
 * texts never quote alike. Pure.
 */
export function quoteText(text: string): string {
  return `'${escapeText(text)}'`;
}

/** {@link quoteText} without the surrounding quotes, for lists whose items are not quoted. Pure. */
export function escapeText(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2); // a well-formed pair: an ordinary astral character
      i++;
      continue;
    }
    out += NAMED.get(unit) ?? (needsEscape(unit) ? hexEscape(unit) : text[i]);
  }
  return out;
}

/**
 * The first character of `text` that {@link quoteText} would have to escape for display (a control, DEL, a bidi
 * or separator character, a lone surrogate: not the backslash or the quote), as `U+001B`; undefined when none. Pure.
 */
export function firstUnprintable(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    if (needsEscape(unit)) return `U+${unit.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return undefined;
}

function needsEscape(unit: number): boolean {
  return isControl(unit) || BIDI.has(unit) || SEPARATORS.has(unit) || isHighSurrogate(unit) || isLowSurrogate(unit);
}

function hexEscape(unit: number): string {
  return unit <= 0xff ? `\\x${unit.toString(16).padStart(2, "0")}` : `\\u${unit.toString(16).padStart(4, "0")}`;
}
