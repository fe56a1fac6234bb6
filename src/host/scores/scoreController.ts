/**
 * Per-token probe scores painted over documents (Probescope: Score Document / Score Selection). Results are kept per
 * document version (`uri@version`, a few versions per document): a version's ranges are painted only while the
 * document is at that version, and an edit that restores a scored text (undo) reuses its scores. An edit to a scored
 * document clears its paint and, when the whole document was scored, re-scores it after a pause (debounced).
 * Hovers give the score, the token and its window; the overview ruler marks firing spans (score > the decision
 * threshold, or the 1 % FPR threshold with probescope.scores.firingThreshold = "fpr1").
 */
import * as vscode from 'vscode';
import type { TokenScoresResult } from '../../protocol/tokenScores';
import type { HostState } from '../state/hostState';
import { createFiringRulerDecoration, createScoreDecorations, levelSlot } from './scoreDecorations';
import { adjacentSpan, firingSpans, scoreColorId, scoreUnits, type FiringSpan, type ScoredUnit } from './scorePaint';

export interface DocumentScores {
  uri: vscode.Uri;
  version: number;
  /** Document offset of the scored text's first character (0 for a whole document). */
  baseOffset: number;
  text: string;
  wholeDocument: boolean;
  result: TokenScoresResult;
  probeDir: string;
  probeName: string;
}

export interface Painted {
  scores: DocumentScores;
  /** Firing spans are units with score > this (the decision threshold, or the 1 % FPR one: firingThresholdOf). */
  firingThreshold: number;
  units: ScoredUnit[];
  /** Unit start offsets (document offsets), for binary search in hovers. */
  starts: number[];
  ranges: vscode.Range[];
  spans: FiringSpan[];
  spanRanges: vscode.Range[];
}

const VERSIONS_KEPT = 3;
const FIRING_SETTING = 'probescope.scores.firingThreshold';

/**
 * The threshold firing spans are counted above: the decision threshold, or with the setting
 * probescope.scores.firingThreshold = "fpr1" the scored class's 1 % FPR threshold when the probe has one.
 */
export function firingThresholdOf(result: TokenScoresResult): number {
  const choice = vscode.workspace.getConfiguration().get<string>(FIRING_SETTING, 'decision');
  return choice === 'fpr1' && result.fprThreshold.available ? result.fprThreshold.value : result.threshold;
}

export class ScoreController implements vscode.Disposable {
  private readonly levelTypes = createScoreDecorations();
  private readonly rulerType = createFiringRulerDecoration();
  private readonly byDocument = new Map<string, Painted[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly rescoreTimers = new Map<string, NodeJS.Timeout>();
  private readonly shown = new vscode.EventEmitter<Painted>();
  private paintMs = 0;
  /** Fires when new scores are painted (the score panel follows). */
  readonly onDidShow = this.shown.event;

  constructor(
    private readonly state: HostState,
    /** Re-scores a whole document after an edit with the probe it was scored with (the command's path, without a
     * progress notification). */
    private readonly rescore: (doc: vscode.TextDocument, probeDir: string) => void,
    private readonly debounceMs = 1500,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const key = e.document.uri.toString();
        const kept = this.byDocument.get(key);
        if (!kept) return;
        // The same text as a scored version (an undo): its scores hold again, at the new version.
        const same = kept.find((p) => p.scores.wholeDocument && p.scores.text === e.document.getText());
        if (same) {
          this.show(e.document, { ...same.scores, version: e.document.version });
          return;
        }
        this.paintAll();
        // The probe of the latest whole-document scores (switching the active probe does not change what is shown).
        const whole = kept.find((p) => p.scores.wholeDocument);
        if (whole) this.rescoreLater(e.document, whole.scores.probeDir);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      // Switching the firing threshold re-marks the spans of every kept result.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(FIRING_SETTING)) return;
        for (const doc of vscode.workspace.textDocuments) {
          const p = this.current(doc);
          if (p) this.show(doc, p.scores);
        }
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
      vscode.languages.registerHoverProvider('*', { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  /** Keeps `scores` for its document version and paints it. */
  show(document: vscode.TextDocument, scores: DocumentScores): void {
    if (document.isClosed) return;
    const t0 = performance.now();
    const units = scoreUnits(scores.text, scores.result.tokens, scores.result.threshold);
    const at = (o: number) => document.positionAt(scores.baseOffset + o);
    const firingThreshold = firingThresholdOf(scores.result);
    const spans = firingSpans(scores.text, units, firingThreshold);
    const painted: Painted = {
      scores,
      firingThreshold,
      units,
      starts: units.map((u) => scores.baseOffset + u.start),
      ranges: units.map((u) => new vscode.Range(at(u.start), at(u.end))),
      spans,
      spanRanges: spans.map((s) => new vscode.Range(at(s.start), at(s.end))),
    };
    const key = scores.uri.toString();
    const kept = (this.byDocument.get(key) ?? []).filter((p) => p.scores.version !== scores.version);
    kept.unshift(painted);
    this.byDocument.set(key, kept.slice(0, VERSIONS_KEPT));
    this.paintAll();
    // Time from the scores' arrival to the decorations handed to the editor (units, ranges, setDecorations).
    this.paintMs = performance.now() - t0;
    const st = this.state.current.scores;
    if (st) this.state.update({ scores: { ...st, paintMs: this.paintMs } });
    this.shown.fire(painted);
  }

  /** The scores painted on `document` now (its current version), if any. */
  current(document: vscode.TextDocument): Painted | undefined {
    return this.byDocument.get(document.uri.toString())?.find((p) => p.scores.version === document.version);
  }

  /** Moves the cursor to the next / previous firing span of the editor's scores; false when there is none. */
  jump(editor: vscode.TextEditor, direction: 'next' | 'previous'): boolean {
    const p = this.current(editor.document);
    if (!p || p.spans.length === 0) return false;
    const at = (pos: vscode.Position) => editor.document.offsetAt(pos) - p.scores.baseOffset;
    const span = adjacentSpan(p.spans, { start: at(editor.selection.start), end: at(editor.selection.end) }, direction);
    if (!span) return false;
    const range = p.spanRanges[p.spans.indexOf(span)]!;
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return true;
  }

  clear(uri?: vscode.Uri): void {
    if (uri) this.forget(uri);
    else this.byDocument.clear();
    this.paintAll();
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.byDocument.delete(key);
    clearTimeout(this.rescoreTimers.get(key));
    this.rescoreTimers.delete(key);
  }

  /** Re-scores the whole of `doc` with `probeDir` after the debounce pause, unless its current version is scored. */
  rescoreLater(doc: vscode.TextDocument, probeDir: string): void {
    const key = doc.uri.toString();
    clearTimeout(this.rescoreTimers.get(key));
    this.rescoreTimers.set(
      key,
      setTimeout(() => {
        this.rescoreTimers.delete(key);
        if (!doc.isClosed && !this.current(doc)) this.rescore(doc, probeDir);
      }, this.debounceMs),
    );
  }

  /** One setDecorations call per type on each visible editor (VS Code keeps decorations per editor). */
  private paintAll(): void {
    let shown: Painted | undefined;
    for (const editor of vscode.window.visibleTextEditors) {
      const p = this.current(editor.document);
      const perSlot: vscode.Range[][] = this.levelTypes.map(() => []);
      if (p) p.units.forEach((u, i) => u.level !== 0 && perSlot[levelSlot(u.level)]!.push(p.ranges[i]!));
      this.levelTypes.forEach((type, s) => editor.setDecorations(type, perSlot[s]!));
      editor.setDecorations(this.rulerType, p ? p.spanRanges : []);
      if (p && (!shown || editor === vscode.window.activeTextEditor)) shown = p;
    }
    void vscode.commands.executeCommand('setContext', 'probescope.scoresVisible', shown !== undefined);
    this.state.update({ scores: shown ? { ...describe(shown), paintMs: this.paintMs } : null });
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const p = this.current(doc);
    if (!p) return undefined;
    const offset = doc.offsetAt(pos);
    // Last unit starting at or before the offset.
    let lo = 0;
    let hi = p.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const range = p.ranges[lo];
    if (!range || !range.contains(pos) || range.isEmpty) return undefined;
    return new vscode.Hover(scoreHover(p, lo), range);
  }

  dispose(): void {
    for (const t of this.rescoreTimers.values()) clearTimeout(t);
    for (const t of this.levelTypes) t.dispose();
    this.rulerType.dispose();
    this.shown.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.byDocument.clear();
  }
}

function scoreHover(p: Painted, i: number): vscode.MarkdownString {
  const u = p.units[i]!;
  const r = p.scores.result;
  const w = r.windows[u.window];
  const md = new vscode.MarkdownString();
  const text = JSON.stringify(p.scores.text.slice(u.start, u.end));
  const cls = `${r.class}${r.versus ? ' vs rest' : ''}`;
  md.appendMarkdown(`**Probescope** · ${esc(p.scores.probeName)} · class ${esc(cls)}\n\n`);
  const fpr = r.fprThreshold.available ? `, 1 % FPR ${r.fprThreshold.value.toFixed(3)}` : '';
  md.appendMarkdown(`token ${esc(text)} · score **${u.score.toFixed(4)}** (threshold ${r.threshold}${fpr})`);
  if (u.contribution !== undefined) md.appendMarkdown(` · contribution ${u.contribution.toExponential(3)}`);
  md.appendMarkdown(`\n\n`);
  if (u.tokens.length > 1) md.appendMarkdown(`${u.tokens.length} pieces (mean score)\n\n`);
  if (w)
    md.appendMarkdown(
      `window ${u.window + 1} of ${r.windows.length} (tokens ${w.tokenStart}–${w.tokenEnd - 1}, its logit ${w.logit.toFixed(3)}) · document logit ${r.logit.toFixed(3)}\n`,
    );
  return md;
}

function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (ch) => `\\${ch}`);
}

/** What the test-state mirror (and the status bar) read about the painted scores. */
function describe(p: Painted): NonNullable<HostState['current']['scores']> {
  const unit = (i: number) => ({
    start: [p.ranges[i]!.start.line, p.ranges[i]!.start.character] as [number, number],
    end: [p.ranges[i]!.end.line, p.ranges[i]!.end.character] as [number, number],
    text: p.scores.text.slice(p.units[i]!.start, p.units[i]!.end),
    score: p.units[i]!.score,
    level: p.units[i]!.level,
    color:
      p.units[i]!.level === 0
        ? null
        : scoreColorId(p.units[i]!.level > 0 ? 'positive' : 'negative', Math.abs(p.units[i]!.level)),
  });
  let maxI = -1;
  let minI = -1;
  p.units.forEach((u, i) => {
    if (maxI < 0 || u.score > p.units[maxI]!.score) maxI = i;
    if (minI < 0 || u.score < p.units[minI]!.score) minI = i;
  });
  return {
    uri: p.scores.uri.toString(),
    version: p.scores.version,
    probe: p.scores.probeName,
    class: p.scores.result.class,
    threshold: p.scores.result.threshold,
    fprThreshold: p.scores.result.fprThreshold.available ? p.scores.result.fprThreshold.value : null,
    firingThreshold: p.firingThreshold,
    tokens: p.scores.result.tokens.length,
    units: p.units.length,
    windows: p.scores.result.windows.length,
    coveredChars: p.scores.result.coverage.end,
    highest: maxI >= 0 ? unit(maxI) : null,
    lowest: minI >= 0 ? unit(minI) : null,
    firingSpans: p.spanRanges.map((r) => ({
      start: [r.start.line, r.start.character],
      end: [r.end.line, r.end.character],
    })),
  };
}
