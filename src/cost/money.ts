/**
 * Money as integer micro-units (1 EUR = 1 000 000 micro-EUR) of the currency the provider bills.
 * Providers quote prices as decimal text ("0.0071400000", 0.03571): it is parsed digit by digit,
 * never through a float, and products and time shares are done in bigint, so sums do not drift.
 * Formatting happens only at the edge (`formatMoney`).
 */

export const MICROS = 1_000_000;
const MICROS_N = 1_000_000n;
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * A non-negative decimal (string, or a number as the JSON parser gave it) → micro-units, rounded
 * half up at the sixth place. Undefined for anything else (negative, NaN, exponent, text).
 */
export function parseMicros(value: string | number): number | undefined {
  const text = typeof value === "number" ? numberText(value) : value.trim();
  if (text === undefined) return undefined;
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? "").padEnd(7, "0");
  let micros = BigInt(m[1] ?? "0") * MICROS_N + BigInt(frac.slice(0, 6));
  if (Number(frac[6]) >= 5) micros += 1n;
  return micros <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micros) : undefined;
}

/** A JSON number's shortest decimal text (0.00893 → "0.00893"); exponent forms are refused. */
function numberText(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  const s = String(n);
  return /e/i.test(s) ? undefined : s;
}

/** a × b / d, rounded half up, in bigint (no float): the one place time shares are computed. */
export function mulDiv(a: number, b: number, d: number): number {
  const [x, y, z] = [BigInt(a), BigInt(b), BigInt(d)];
  return Number((x * y + z / 2n) / z);
}

/** Product of two micro-unit quantities (a price per GB × a size in GB) in micro-units. */
export function mulMicros(a: number, b: number): number {
  return mulDiv(a, b, MICROS);
}

/**
 * Micro-units as text for people: at least two decimals, more while they carry digits (up to
 * six), so an hourly rate of 0.00714 is not shown as 0.01.
 */
export function formatAmount(micros: number): string {
  const neg = micros < 0;
  const abs = BigInt(Math.abs(micros));
  const whole = abs / MICROS_N;
  let frac = (abs % MICROS_N).toString().padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${neg ? "-" : ""}${whole}.${frac}`;
}

export function formatMoney(micros: number, currency: string): string {
  return `${formatAmount(micros)} ${currency}`;
}
