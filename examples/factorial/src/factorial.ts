/**
 * n! as both of the demo's own servers compute it: the Strand route
 * (app.ts), which yields after every multiplication, and the plain
 * `node:http` server beside it (side-by-side/plain-server.ts), which runs the
 * same steps without stopping.
 */

/** Largest n accepted: beyond this it is not a number a person typed. */
export const MAX_N = 1_000_000_000;
/** Results shorter than this many bits have their decimal digits counted exactly. */
const FULL_DIGITS_BELOW_BITS = 200_000;
/** Results of at most this many digits are answered in full: a number a person can still read. */
export const MAX_PRINTED_DIGITS = 3_000;

/** What to answer: JSON `{ n, value?, bits, digits, exactDigits }` (200), or a sentence (400, 422). */
export interface FactorialAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** n from a query's text, or the 400 answer when it is not an integer from 0 to MAX_N. */
export function parseN(raw: string | undefined): number | FactorialAnswer {
  if (raw === undefined || !/^\d{1,10}$/.test(raw) || Number(raw) > MAX_N) {
    return text(400, `n must be an integer from 0 to ${MAX_N}\n`);
  }
  return Number(raw);
}

/** Multiplies 2, 3, …, n, yielding how many factors are in after each step; returns the answer. */
export function* factorialSteps(n: number): Generator<number, FactorialAnswer, unknown> {
  let acc = 1n;
  for (let i = 2; i <= n; i++) {
    try {
      acc *= BigInt(i);
    } catch (error) {
      // V8 caps BigInts at 2^30 bits: n! passes it at i ≈ 44.8 million.
      if (error instanceof RangeError) return text(422, `${n}! is larger than a JavaScript BigInt can be (2^30 bits): stopped at ${i - 1}!\n`);
      throw error;
    }
    yield i;
  }
  const bits = acc.toString(2).length;
  // Decimal digits of a huge number take long to print without yielding: give their count instead.
  const decimal = bits < FULL_DIGITS_BELOW_BITS ? acc.toString() : undefined;
  const digits = decimal?.length ?? Math.floor((bits - 1) * (Math.LN2 / Math.LN10)) + 1;
  const value = decimal !== undefined && digits <= MAX_PRINTED_DIGITS ? { value: decimal } : {};
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ n, ...value, bits, digits, exactDigits: decimal !== undefined }) };
}

function text(status: number, body: string): FactorialAnswer {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}
