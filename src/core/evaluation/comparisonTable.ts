/**
 * The comparison as a table for papers: CSV (RFC 4180 quoting; one column per metric and one per interval bound)
 * and Markdown ("0.970 [0.950, 0.990]" cells, then the paired differences).
 */
import type { Comparison } from './compareProbes';
import { flatMetrics } from './classificationMetrics';
import type { SplitMetrics } from '../../protocol/types';

/** Metric columns, in order, that any row has. */
const ORDER = [
  'accuracy',
  'balanced_accuracy',
  'f1',
  'roc_auc',
  'log_loss',
  'brier',
  'recall_at_fpr_0.01',
  'recall_at_fpr_0.05',
];

function values(m: SplitMetrics): Record<string, number> {
  return flatMetrics({
    accuracy: m.accuracy,
    balanced_accuracy: m.balanced_accuracy ?? NaN,
    f1: m.f1 ?? NaN,
    roc_auc: m.roc_auc,
    log_loss: m.log_loss ?? NaN,
    brier: m.brier ?? NaN,
    recall_at_fpr: m.recall_at_fpr,
  });
}

function columns(c: Comparison): string[] {
  return ORDER.filter((k) => c.rows.some((r) => Number.isFinite(values(r.metrics)[k])));
}

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function comparisonCsv(c: Comparison): string {
  const cols = columns(c);
  const head = ['probe', 'kind', 'layer', 'heads', 'optimizer', 'preset', 'model', 'n'];
  for (const k of cols) head.push(k, `${k}_ci_lo`, `${k}_ci_hi`);
  const lines = [head.map(csvCell).join(',')];
  for (const r of c.rows) {
    const v = values(r.metrics);
    const cells: unknown[] = [r.name, r.kind, r.layer, r.heads, r.optimizer, r.preset, r.model, r.metrics.n];
    for (const k of cols) cells.push(v[k], r.metrics.ci95?.[k]?.[0], r.metrics.ci95?.[k]?.[1]);
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const mdCell = (s: string) => s.replace(/\|/g, '\\|');

export function comparisonMarkdown(c: Comparison): string {
  const cols = columns(c);
  const out = [
    `Evaluated on ${c.n} examples of ${c.data.split(/[\\/]/).pop()}; 95 % stratified bootstrap intervals (1,000 resamples).`,
    '',
    `| probe | kind | layer | heads | optimizer | ${cols.join(' | ')} |`,
    `|${' --- |'.repeat(5 + cols.length)}`,
  ];
  for (const r of c.rows) {
    const v = values(r.metrics);
    const cells = cols.map((k) => {
      const ci = r.metrics.ci95?.[k];
      return ci ? `${f3(v[k])} [${f3(ci[0])}, ${f3(ci[1])}]` : f3(v[k]);
    });
    out.push(
      `| ${[mdCell(r.name), r.kind, String(r.layer), String(r.heads), r.optimizer ?? '–', ...cells].join(' | ')} |`,
    );
  }
  if (c.pairs.length > 0) {
    out.push(
      '',
      '| A | B | metric | A − B | 95 % interval | p | significant |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const p of c.pairs)
      for (const [m, d] of Object.entries(p.differences))
        out.push(
          `| ${mdCell(p.a)} | ${mdCell(p.b)} | ${m} | ${d.difference.toFixed(3)} | [${d.ci95[0].toFixed(3)}, ${d.ci95[1].toFixed(3)}] | ${d.p_value.toFixed(3)} | ${d.significant ? 'yes' : 'no'} |`,
        );
  }
  return out.join('\n') + '\n';
}
