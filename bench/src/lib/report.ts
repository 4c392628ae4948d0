/**
 * The shared report writer: one structure, printed as aligned text tables on
 * the console and written as Markdown to docs/*.md by every runner.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Table {
  readonly title: string;
  /** A paragraph under the title: what was measured and how. */
  readonly intro?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
  /** A chart drawn from the table's figures, shown under it. */
  readonly image?: Image;
}

export interface Image {
  /** Path relative to the Markdown file. */
  readonly src: string;
  readonly alt: string;
}

/** Prose under a heading: targets, per-case details, method. */
export interface Section {
  readonly title: string;
  /** 3: a subsection of the level-2 section before it. */
  readonly level?: 2 | 3;
  readonly body: readonly Block[];
  /** Left out of the console text (method, the analysis placeholder). */
  readonly markdownOnly?: boolean;
}

/** A paragraph, a bullet list, an image or a verbatim block. */
export type Block = string | { readonly list: readonly string[] } | { readonly image: Image } | { readonly code: string };

export interface Report {
  readonly title: string;
  /** Key/value lines: date, machine, command… */
  readonly meta: readonly (readonly [string, string])[];
  readonly preface?: readonly string[];
  readonly tables: readonly Table[];
  /** After the tables, in this order. */
  readonly sections?: readonly Section[];
  /** Markdown only: raw lines after the sections (Analysis). */
  readonly epilogue?: readonly string[];
}

// ─── Number formatting ───────────────────────────────────────────────────────

/** 5929701 → "5.93 M", 822812 → "823 k", 430.5 → "431". */
export function si(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(digits)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(digits)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(digits)} k`;
  return grouped(value, abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

/** 2648.3 → "2,648"; 12.345 with 1 digit → "12.3". */
export function grouped(value: number, fractionDigits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

/** A ratio: "2.31×". */
export function times(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(0)}%`;
}

// ─── Targets ─────────────────────────────────────────────────────────────────

export type Verdict = { readonly status: 'met' | 'missed' | 'not judged'; readonly margin: string };

/** A target "Strand is at least `required`× BEAM" given the measured advantage (>1 = Strand better). */
export function atLeastTimes(advantage: number | undefined, required: number): Verdict {
  if (advantage === undefined || !Number.isFinite(advantage)) return { status: 'not judged', margin: 'no Erlang baseline' };
  const margin = advantage / required - 1;
  return advantage >= required
    ? { status: 'met', margin: `${times(advantage)} vs ${times(required)} required (+${percent(margin)})` }
    : { status: 'missed', margin: `${times(advantage)} vs ${times(required)} required (${percent(margin)})` };
}

/** A target "value ≤ limit" for a figure where lower is better. */
export function atMost(value: number | undefined, limit: number, unit: string, digits = 0): Verdict {
  if (value === undefined || !Number.isFinite(value)) return { status: 'not judged', margin: 'not measured' };
  const margin = (limit - value) / limit;
  const shown = `${grouped(value, digits)}${unit} vs ≤ ${grouped(limit, digits)}${unit}`;
  return value <= limit
    ? { status: 'met', margin: `${shown} (${percent(margin)} under)` }
    : { status: 'missed', margin: `${shown} (${percent(-margin)} over)` };
}

/** A target "process/inline ≤ 1 + slack": the overhead of yielding. */
export function overheadAtMost(ratio: number | undefined, slack: number): Verdict {
  if (ratio === undefined || !Number.isFinite(ratio)) return { status: 'not judged', margin: 'not measured' };
  const overhead = ratio - 1;
  const shown = `${overhead >= 0 ? '+' : ''}${percent(overhead)} vs ≤ +${percent(slack)}`;
  return overhead <= slack ? { status: 'met', margin: shown } : { status: 'missed', margin: shown };
}

/** A verdict on a target the caller judged itself: `margin` says what was measured against what. */
export function metOrMissed(met: boolean, margin: string): Verdict {
  return { status: met ? 'met' : 'missed', margin };
}

export function verdictText(v: Verdict): string {
  const mark = v.status === 'met' ? '✅ met' : v.status === 'missed' ? '❌ missed' : '– not judged';
  return `${mark}: ${v.margin}`;
}

// ─── Rendering ───────────────────────────────────────────────────────────────

/** Prints the report as text; writes it as Markdown to `doc` when given (a full run only). */
export function publish(report: Report, doc: string | undefined): void {
  process.stdout.write(`\n${renderText(report)}`);
  if (doc === undefined) {
    process.stderr.write('\nno report written (not a full run)\n');
    return;
  }
  mkdirSync(dirname(doc), { recursive: true });
  writeFileSync(doc, renderMarkdown(report));
  process.stderr.write(`\nwrote ${doc}\n`);
}

export function renderText(report: Report): string {
  const out: string[] = [report.title, '='.repeat(report.title.length)];
  for (const [key, value] of report.meta) out.push(`${key}: ${value}`);
  for (const line of report.preface ?? []) out.push(line);
  for (const table of report.tables) {
    out.push('', table.title, '-'.repeat(table.title.length));
    const widths = table.header.map((h, i) => Math.max(width(h), ...table.rows.map((r) => width(r[i] ?? ''))));
    const line = (cells: readonly string[]): string =>
      cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padStart(c, widths[i]!))).join('  ').trimEnd();
    out.push(line(table.header), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of table.rows) out.push(line(row));
    for (const note of table.notes ?? []) out.push(`  ${note}`);
  }
  for (const section of report.sections ?? []) {
    if (section.markdownOnly === true) continue;
    out.push('', section.title, (section.level === 3 ? '·' : '-').repeat(width(section.title)));
    for (const block of section.body) {
      if (typeof block === 'string') out.push(block);
      else if ('list' in block) out.push(...block.list.map((item) => `- ${item}`));
      else if ('image' in block) out.push(`[${block.image.alt}: ${block.image.src}]`);
      else out.push(...block.code.split('\n').map((l) => `    ${l}`));
    }
  }
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [`# ${report.title}`, ''];
  for (const [key, value] of report.meta) out.push(`- **${key}:** ${value}`);
  out.push('');
  for (const line of report.preface ?? []) out.push(line);
  if (report.preface?.length) out.push('');
  for (const table of report.tables) {
    out.push(`## ${table.title}`, '');
    if (table.intro !== undefined) out.push(table.intro, '');
    out.push(`| ${table.header.map(escapeCell).join(' | ')} |`);
    out.push(`|${table.header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of table.rows) out.push(`| ${row.map(escapeCell).join(' | ')} |`);
    out.push('');
    for (const note of table.notes ?? []) out.push(`${note}`, '');
    if (table.image !== undefined) out.push(imageMarkdown(table.image), '');
  }
  for (const section of report.sections ?? []) {
    out.push(`${'#'.repeat(section.level ?? 2)} ${section.title}`, '');
    for (const block of section.body) {
      if (typeof block === 'string') out.push(block);
      else if ('list' in block) out.push(...block.list.map((item) => `- ${item}`));
      else if ('image' in block) out.push(imageMarkdown(block.image));
      else out.push('```', block.code, '```');
      out.push('');
    }
  }
  for (const line of report.epilogue ?? []) out.push(line);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function imageMarkdown(image: Image): string {
  return `![${image.alt}](${image.src})`;
}

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}
