/**
 * The request handler every Node peer uses: the same answer as the Strand
 * demo (examples/factorial/src/app.ts), computed the plain way, with one
 * BigInt loop that never yields.
 */

/** Largest n accepted (as in the Strand demo). */
export const MAX_N = 1_000_000_000;
/** Results shorter than this many bits are printed in full digits (as in the Strand demo). */
const FULL_DIGITS_BELOW_BITS = 200_000;

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Validates the `n` of a request target: a number, or the 400/404 answer to send instead. */
export function parseTarget(target: string | undefined): number | Answer {
  const url = new URL(target ?? '/', 'http://localhost');
  if (url.pathname !== '/factorial') return { status: 404, body: 'not found\n' };
  const raw = url.searchParams.get('n');
  if (raw === null || !/^\d{1,10}$/.test(raw) || Number(raw) > MAX_N) {
    return { status: 400, body: `n must be an integer from 0 to ${MAX_N}\n` };
  }
  return Number(raw);
}

/** n! in one synchronous loop: the whole thread is busy until it ends. */
export function factorial(n: number): Answer {
  let acc = 1n;
  for (let i = 2; i <= n; i++) {
    try {
      acc *= BigInt(i);
    } catch (error) {
      // V8 caps BigInts at 2^30 bits: n! passes it at i ≈ 44.8 million.
      if (error instanceof RangeError) return { status: 422, body: `${n}! is larger than a JavaScript BigInt can be: stopped at ${i - 1}!\n` };
      throw error;
    }
  }
  const bits = acc.toString(2).length;
  const exact = bits < FULL_DIGITS_BELOW_BITS;
  const digits = exact ? acc.toString().length : Math.floor((bits - 1) * (Math.LN2 / Math.LN10)) + 1;
  return { status: 200, body: JSON.stringify({ n, bits, digits, exactDigits: exact }) };
}

/** `GET /factorial?n=N` handled inline, on the thread that received it. */
export function handle(target: string | undefined): Answer {
  const parsed = parseTarget(target);
  return typeof parsed === 'number' ? factorial(parsed) : parsed;
}

export function contentType(answer: Answer): string {
  return answer.status === 200 ? 'application/json' : 'text/plain; charset=utf-8';
}
