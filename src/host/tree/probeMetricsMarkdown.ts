/** A probe's probe.json as Markdown: summary, metrics per split, confusion matrix, training config. No `vscode`. */
import { probeKindLabel } from '../../protocol/probeLabel';
import type { ProbeManifest, SplitMetrics } from '../../protocol/types';

const fmt = (x: number | undefined, digits = 4): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
const cell = (s: unknown): string => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderProbeMetrics(m: ProbeManifest, dir: string): string {
  const lines: string[] = [];
  lines.push(`# ${cell(m.name || dir)}`, '');
  lines.push(`\`${dir}\``, '');
  lines.push('| | |', '|---|---|');
  lines.push(
    `| model | ${cell(m.model?.id ?? '?')} (d_model ${m.model?.hiddenSize ?? '?'}, ${m.model?.numLayers ?? '?'} layers) |`,
  );
  lines.push(`| layer | ${cell(m.layer)} |`);
  lines.push(`| probe | ${cell(probeKindLabel(m.probe, m.heads))} |`);
  lines.push(`| classes | ${cell((m.classes ?? []).join(', '))} |`);
  lines.push(`| created | ${cell(m.createdAt ?? '?')} |`, '');
  const splits = (['train', 'test'] as const).filter((s) => m.metrics?.[s]);
  if (splits.length) {
    lines.push(
      '## Metrics',
      '',
      '| split | n | accuracy | F1 | ROC-AUC | loss | entropy ratio |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of splits) {
      const x = m.metrics[s] as SplitMetrics;
      lines.push(
        `| ${s} | ${x.n} | ${fmt(x.accuracy)} | ${fmt(x.f1)} | ${fmt(x.roc_auc)} | ${fmt(x.loss)} | ${fmt(x.entropy_ratio)} |`,
      );
    }
    lines.push('');
  }
  const confusion = m.metrics?.test?.confusion;
  if (confusion?.length) {
    const classes = m.classes ?? confusion.map((_, i) => String(i));
    lines.push('## Test confusion (rows: true, columns: predicted)', '');
    lines.push(`| | ${classes.map(cell).join(' | ')} |`, `|---|${classes.map(() => '---:').join('|')}|`);
    confusion.forEach((row, i) => lines.push(`| **${cell(classes[i] ?? i)}** | ${row.join(' | ')} |`));
    lines.push('');
  }
  const training = Object.entries(m.training ?? {});
  if (training.length) {
    lines.push('## Training', '', '| setting | value |', '|---|---|');
    for (const [k, v] of training)
      lines.push(`| ${cell(k)} | ${cell(typeof v === 'object' ? JSON.stringify(v) : v)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
