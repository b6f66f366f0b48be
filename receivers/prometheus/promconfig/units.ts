// Prometheus's own value formats (prometheus/common model.Duration and
// alecthomas/units Base2Bytes), which differ from the collector's: durations
// take y/w/d and no fractions ("1m30s", "1d"); sizes are powers of 1024
// whatever the suffix ("100MB" = 100 MiB).

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Milliseconds, or undefined when the text is not a Prometheus duration. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * MS[i];
  return ms;
}

/** model.Duration.String(): years and weeks only when exact ("90d", not "12w6d"). */
export function formatPromDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.trunc(ms);
  let out = '';
  const units: [string, number, boolean][] = [
    ['y', MS[0], true],
    ['w', MS[1], true],
    ['d', MS[2], false],
    ['h', MS[3], false],
    ['m', MS[4], false],
    ['s', MS[5], false],
    ['ms', 1, false],
  ];
  for (const [unit, mult, exact] of units) {
    if (exact && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  KiB: 1024,
  MB: 1024 ** 2,
  MiB: 1024 ** 2,
  GB: 1024 ** 3,
  GiB: 1024 ** 3,
  TB: 1024 ** 4,
  TiB: 1024 ** 4,
  PB: 1024 ** 5,
  PiB: 1024 ** 5,
  EB: 1024 ** 6,
  EiB: 1024 ** 6,
};

/** Bytes; "0" or "" is no limit (0). Undefined when invalid. */
export function parseBase2Bytes(text: string): number | undefined {
  if (text === '' || text === '0') return 0;
  const m = /^(\d+)([A-Za-z]*)$/.exec(text);
  if (!m) return undefined;
  const mult = m[2] === '' ? undefined : SIZE_UNITS[m[2]];
  return mult === undefined ? undefined : Number(m[1]) * mult;
}
