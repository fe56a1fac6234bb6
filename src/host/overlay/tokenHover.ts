/**
 * Hover text for one overlay token: the token, its id, the combined weight and a per-head table.
 */
import * as vscode from 'vscode';
import type { HeadSelection } from '../../protocol/webview';
import type { Classification } from './overlayController';
import { headSelectionLabel, type WeightedToken } from './tokenWeights';

export function tokenHover(t: WeightedToken, c: Classification, head: HeadSelection): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const shown = JSON.stringify(c.text.slice(t.start, t.end));
  md.appendMarkdown(`**Probescope** · ${escapeMd(c.probeName)} · label **${escapeMd(c.result.label)}**\n\n`);
  if (t.pieces.length > 1) {
    // Several tokens paint this text (byte-fallback pieces of one character, or a grapheme cluster): list each.
    md.appendMarkdown(`text ${escapeMd(shown)} · ${t.pieces.length} pieces\n\n`);
    md.appendMarkdown(`| piece | id | weight |\n|---|---:|---:|\n`);
    for (const p of t.pieces) md.appendMarkdown(`| ${escapeMd(p.text)} | ${p.id} | ${p.weight.toFixed(4)} |\n`);
    md.appendMarkdown('\n');
  } else {
    md.appendMarkdown(`token ${escapeMd(shown)} · id ${t.id} · piece ${escapeMd(t.text)}\n\n`);
  }
  md.appendMarkdown(
    `weight (${headSelectionLabel(head)}): **${t.weight.toFixed(4)}** · ${(t.normalized * 100).toFixed(0)}% of the max\n\n`,
  );
  if (t.attention.length > 0) {
    const sum = t.attention.reduce((a, b) => a + b, 0);
    // Heads as columns: one compact two-row table however many heads the probe has.
    const heads = t.attention.map((_, h) => (head === h ? `**${h + 1}**` : String(h + 1)));
    md.appendMarkdown(`| head | ${heads.join(' | ')} | sum |\n|---|${heads.map(() => '---:').join('|')}|---:|\n`);
    md.appendMarkdown(`| weight | ${t.attention.map((w) => w.toFixed(4)).join(' | ')} | **${sum.toFixed(4)}** |\n`);
  } else {
    md.appendMarkdown(`_${c.result.probe} probe: no attention heads_\n`);
  }
  return md;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (ch) => `\\${ch}`);
}
