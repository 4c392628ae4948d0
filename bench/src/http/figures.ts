/** How the HTTP benchmark shows its figures: milliseconds, CPU shares, outcome counts. */
import type { ExactResult } from './exact-client.js';

export function ms(n: number): string {
  if (Number.isNaN(n)) return '–';
  if (!Number.isFinite(n)) return 'timeout';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');
}

export function us(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

export function pct(n: number | undefined): string {
  return n === undefined ? 'n/a' : `${Math.round(n)} %`;
}

/** Every request got exactly one outcome. */
export const balanced = (r: ExactResult): boolean => r.sent === r.answered + r.errors + r.timeouts && r.doubleOutcomes === 0;
/** 200s per second of the sending window. */
export const rate = (r: ExactResult): number => ((r.statuses[200] ?? 0) * 1000) / r.durationMs;

export function statusesText(r: ExactResult): string {
  const other = Object.entries(r.statuses).filter(([s]) => s !== '200');
  return other.length === 0 ? '0' : other.map(([s, n]) => `${n} × ${s}`).join(', ');
}

export function errorsText(r: ExactResult): string {
  const entries = Object.entries(r.errorCodes);
  return entries.length === 0 ? '0' : entries.map(([c, n]) => `${n} × ${c}`).join(', ');
}
