/** Writes one small table as CSV, TSV, JSON (array of records), JSON Lines and Parquet, for per-format tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A value written as a bare literal (a JSON number token, an unquoted CSV cell). */
export class Literal {
  constructor(readonly text: string) {}
}

export type Cell = string | number | boolean | null | Literal | unknown[];
export type Columns = Record<string, Cell[]>;
export const FORMATS = ['csv', 'tsv', 'json', 'jsonl', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

function jsonOf(v: Cell): string {
  if (v instanceof Literal) return v.text;
  if (Array.isArray(v)) return `[${v.map((x) => jsonOf(x as Cell)).join(',')}]`;
  return JSON.stringify(v);
}

function csvCell(v: Cell, sep: string): string {
  if (v === null) return '';
  if (v instanceof Literal) return v.text;
  if (Array.isArray(v)) return csvCell(JSON.stringify(v), sep);
  const s = String(v);
  if (sep === '\t') return s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rowsOf(cols: Columns): Record<string, Cell>[] {
  const names = Object.keys(cols);
  const n = cols[names[0]].length;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(names.map((k) => [k, cols[k][i]])));
}

export async function writeTable(dir: string, base: string, cols: Columns, format: Format): Promise<string> {
  const names = Object.keys(cols);
  const rows = rowsOf(cols);
  const p = join(dir, `${base}.${format}`);
  if (format === 'csv' || format === 'tsv') {
    const sep = format === 'csv' ? ',' : '\t';
    const lines = [names.join(sep), ...rows.map((r) => names.map((k) => csvCell(r[k], sep)).join(sep))];
    writeFileSync(p, lines.join('\n') + '\n');
  } else if (format === 'jsonl') {
    writeFileSync(
      p,
      rows.map((r) => `{${names.map((k) => `${JSON.stringify(k)}:${jsonOf(r[k])}`).join(',')}}`).join('\n') + '\n',
    );
  } else if (format === 'json') {
    writeFileSync(
      p,
      `[\n${rows.map((r) => `  {${names.map((k) => `${JSON.stringify(k)}: ${jsonOf(r[k])}`).join(', ')}}`).join(',\n')}\n]\n`,
    );
  } else {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const columnData = names.map((name) => {
      const data = cols[name].map((v) => (v instanceof Literal ? BigInt(v.text) : v));
      const present = data.filter((v) => v !== null);
      const type = present.every((v) => typeof v === 'string')
        ? 'STRING'
        : present.every((v) => typeof v === 'boolean')
          ? 'BOOLEAN'
          : present.every((v) => typeof v === 'bigint')
            ? 'INT64'
            : present.every((v) => typeof v === 'number')
              ? 'DOUBLE'
              : undefined;
      return { name, data: data as never[], ...(type ? { type: type as 'STRING' } : {}), nullable: true };
    });
    writeFileSync(p, Buffer.from(parquetWriteBuffer({ columnData })));
  }
  return p;
}
