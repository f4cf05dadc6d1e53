/**
 * Duration strings as the workload config writes them (reference §2.2): `<integer><unit>` with unit `ms`, `s`,
 * `m` or `h`, e.g. `30s`, `1m`. Pure functions.
 */

/** The accepted duration syntax (after trimming). */
export const DURATION_PATTERN = /^[0-9]+(ms|s|m|h)$/;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds in a duration string. Throws `RangeError` on a string that does not match {@link DURATION_PATTERN}.
 */
export function durationMilliseconds(text: string): number {
  const trimmed = text.trim();
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) throw new RangeError("duration must match <number><unit>, e.g. 30s or 1m");
  const unit = match[1]!;
  const value = Number(trimmed.slice(0, trimmed.length - unit.length));
  return value * UNIT_MS[unit]!;
}

/**
 * Whole seconds in a duration string, as upstream converts it: `ms` values give `max(1, floor(v / 1000))`,
 * the other units are exact.
 */
export function durationSeconds(text: string): number {
  const trimmed = text.trim();
  const ms = durationMilliseconds(trimmed);
  if (trimmed.endsWith("ms")) return Math.max(1, Math.floor(ms / 1000));
  return ms / 1000;
}

/** Formats seconds as a compact human duration: `45s`, `3m 05s`, `2h 01m 00s`, `3d 04h 00m`. */
export function formatHumanDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return String(totalSeconds);
  let s = Math.max(0, Math.round(totalSeconds));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number): string => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}
