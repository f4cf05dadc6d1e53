import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeText, firstUnprintable, quoteText } from "../../src/index.ts";

/** Undoes {@link quoteText}; throws on anything it never produces (an unknown escape, a bare quote). */
function unquote(quoted: string): string {
  expect(quoted.startsWith("'") && quoted.endsWith("'") && quoted.length >= 2).toBe(true);
  const body = quoted.slice(1, -1);
  const named: Record<string, string> = { n: "\n", t: "\t", r: "\r", "'": "'", "\\": "\\" };
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`bare quote at ${i} in ${body}`);
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[i + 1];
    if (e !== undefined && e in named) {
      out += named[e];
      i += 1;
    } else if (e === "x" && /^[0-9a-f]{2}$/.test(body.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (e === "u" && /^[0-9a-f]{4}$/.test(body.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      throw new Error(`unknown escape at ${i} in ${body}`);
    }
  }
  return out;
}

/** Characters a terminal acts on or that reorder the display, plus lone surrogates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/; // eslint-disable-line no-control-regex

/** Strings rich in what matters: controls, bidi, separators, surrogate halves, quotes, backslashes, escape look-alikes. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom("\0", "\x1b", "\x1b[31m", "\n", "\r", "\t", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u2069", "\u200f", "\u2028", "\u2029"),
      fc.constantFrom("'", "\\", "\\n", "\\x1b", "\\u202e", "x", "é", "😀", "\ud83d", "\ude00"),
      fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      fc.string({ unit: "binary", maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe("quoteText", () => {
  it("quotes and escapes exactly", () => {
    expect(quoteText("benchmark_results/peva_faas")).toBe("'benchmark_results/peva_faas'");
    expect(quoteText("")).toBe("''");
    expect(quoteText("a\nb\tc\rd")).toBe("'a\\nb\\tc\\rd'");
    expect(quoteText("\x1b[31mred\x1b[0m")).toBe("'\\x1b[31mred\\x1b[0m'");
    expect(quoteText("it's a\\b")).toBe("'it\\'s a\\\\b'");
    expect(quoteText("\0\x7f\x9b")).toBe("'\\x00\\x7f\\x9b'");
    expect(quoteText("evil\u202etxt.exe\u2066\u2069\u2028\u2029")).toBe("'evil\\u202etxt.exe\\u2066\\u2069\\u2028\\u2029'");
    expect(quoteText("é 😀 日本")).toBe("'é 😀 日本'");
    expect(quoteText("\ud83d|\ude00")).toBe("'\\ud83d|\\ude00'");
    expect(escapeText("a\nb")).toBe("a\\nb");
  });

  it("leaves no control, bidi or separator character and no lone surrogate, and round-trips (property)", () => {
    fc.assert(
      fc.property(nasty, (text) => {
        const quoted = quoteText(text);
        expect(UNSAFE.test(quoted)).toBe(false);
        expect(unquote(quoted)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("is injective: distinct texts never quote alike (property)", () => {
    // A small alphabet of escapes and what they look like, so that a collision, if quoting allowed one, is found.
    const tiny = fc.string({ unit: fc.constantFrom("\\", "n", "\n", "'", "x", "1", "b", "\x1b"), maxLength: 3 });
    fc.assert(
      fc.property(fc.uniqueArray(tiny, { minLength: 2, maxLength: 150 }), nasty, nasty, (texts, a, b) => {
        expect(new Set(texts.map(quoteText)).size).toBe(texts.length);
        if (a !== b) expect(quoteText(a)).not.toBe(quoteText(b));
      }),
      { numRuns: 1000 },
    );
  });

  it("firstUnprintable names the first character quoteText escapes for display, never the quote or backslash (property)", () => {
    expect(firstUnprintable("ok/it's\\fine 😀")).toBeUndefined();
    expect(firstUnprintable("a\u202eb\x1b")).toBe("U+202E");
    expect(firstUnprintable("a\0")).toBe("U+0000");
    fc.assert(
      fc.property(nasty, (text) => {
        expect(firstUnprintable(text) === undefined).toBe(!UNSAFE.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});
