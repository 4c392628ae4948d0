/**
 * Messages may hold what JSON cannot: a BigInt becomes `"123n"`, a Map or
 * Set its entries (a `JSON.stringify` replacer).
 */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value];
  return value;
}
