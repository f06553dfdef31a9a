// Numbers as plain decimal text: no exponent, no thousands separators, so
// the ingest's casts and the canonical formats read them as they are.

/** Exponents past this are left as written rather than expanded into a huge string. */
const MAX_EXPANDED_EXPONENT = 1000;

/**
 * A number's text without an exponent: `1.5e-7` → `0.00000015`,
 * `1E+21` → `1000000000000000000000`, `1.50e1` → `15`. Text without an
 * exponent is returned as it is (`12345.0` stays).
 */
export function expandExponent(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponentText] = match;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPANDED_EXPONENT) return text;
  const digits = whole! + fraction;
  const point = whole!.length + exponent;
  let body: string;
  if (point <= 0) body = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length);
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  body = body.replace(/^0+(?=\d)/, '');
  if (body.includes('.')) body = body.replace(/\.?0+$/, '');
  return body === '0' ? '0' : sign + body;
}

/**
 * A double as a spreadsheet shows it in its General format: rounded to 15
 * significant digits (so a stored 0.30000000000000004 is `0.3`), integers
 * without a decimal point (`12345`), never an exponent. Not finite → ''.
 */
export function plainNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (value === 0) return '0'; // and -0
  // Fast path (toPrecision is slow): integers below 10^15 are exact as they are.
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return expandExponent(String(Number(value.toPrecision(15))));
}
