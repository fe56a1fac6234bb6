/**
 * The inline attention overlay for one classification: token ranges coloured by bucket, a label hint after the
 * classified text, and hovers with per-head weights. Cleared when its document changes (ranges would go stale), on
 * probescope.clearOverlay / Escape, or when a new classification replaces it.
 */
import * as vscode from 'vscode';
import type { ClassifyResult } from '../../protocol/types';
import type { HeadSelection } from '../../protocol/webview';
import type { HostState, OverlayRangeState } from '../state/hostState';
import { createBucketDecorations, createLabelDecoration } from './bucketDecorations';
import { tokenHover } from './tokenHover';
import { BUCKET_COUNT, weighTokens, type WeightedToken } from './tokenWeights';

export interface Classification {
  uri: vscode.Uri;
  /** Document offset of the classified text's first character. */
  baseOffset: number;
  text: string;
  result: ClassifyResult;
  probeDir: string;
  probeName: string;
  classes: string[];
  /** document.version when classified: the offsets hold only for that version. */
  version: number;
}

interface Painted {
  classification: Classification;
  tokens: WeightedToken[];
  ranges: vscode.Range[];
  end: vscode.Position;
}

export class OverlayController implements vscode.Disposable {
  private readonly bucketTypes = createBucketDecorations();
  private readonly labelType = createLabelDecoration();
  private readonly subscriptions: vscode.Disposable[] = [];
  private painted: Painted | undefined;
  /** The last classification, kept after the overlay is cleared (Show Attention Overlay reuses it). */
  last: Classification | undefined;
  private readonly headChanged = new vscode.EventEmitter<HeadSelection>();
  readonly onDidChangeHead = this.headChanged.event;

  constructor(
    private readonly state: HostState,
    private head: HeadSelection,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.painted && e.contentChanges.length > 0 && e.document.uri.toString() === this.uriString) this.clear();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.toString() === this.uriString) this.clear();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paint()),
      vscode.languages.registerHoverProvider('*', { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  get heads(): HeadSelection {
    return this.head;
  }

  get visible(): boolean {
    return this.painted !== undefined;
  }

  private get uriString(): string | undefined {
    return this.painted?.classification.uri.toString();
  }

  show(document: vscode.TextDocument, c: Classification): void {
    this.last = c;
    const tokens = weighTokens(c.result.tokens, this.head, c.result.probe, c.text);
    const ranges = tokens.map(
      (t) => new vscode.Range(document.positionAt(c.baseOffset + t.start), document.positionAt(c.baseOffset + t.end)),
    );
    this.painted = { classification: c, tokens, ranges, end: document.positionAt(c.baseOffset + c.text.length) };
    this.paint();
  }

  setHead(head: HeadSelection): void {
    this.head = head;
    this.headChanged.fire(head);
    const p = this.painted;
    if (p) {
      p.tokens = weighTokens(
        p.classification.result.tokens,
        head,
        p.classification.result.probe,
        p.classification.text,
      );
      this.paint();
      return;
    }
    // Cleared (Escape) but the text is unchanged: choosing heads brings the last overlay back with them.
    const last = this.last;
    const doc = last && vscode.workspace.textDocuments.find((d) => d.uri.toString() === last.uri.toString());
    if (last && doc && doc.version === last.version) this.show(doc, last);
  }

  /**
   * The active probe changed (Set as Active, Keep Best Probe, a finished run): an overlay painted by another probe,
   * and its status-bar label, would show that probe's verdict as if it were the active one's, so they go.
   */
  forgetOtherProbes(activeDir: string | undefined): void {
    if (this.last && this.last.probeDir !== activeDir) this.last = undefined;
    if (this.painted && this.painted.classification.probeDir !== activeDir) this.clear();
  }

  clear(): void {
    if (!this.painted) return;
    this.painted = undefined;
    this.paint();
  }

  /** One setDecorations call per type on each visible editor of the classified document. */
  private paint(): void {
    const p = this.painted;
    for (const editor of vscode.window.visibleTextEditors) {
      const mine = p && editor.document.uri.toString() === p.classification.uri.toString();
      const perBucket: vscode.Range[][] = Array.from({ length: BUCKET_COUNT }, () => []);
      if (mine) p.tokens.forEach((t, i) => perBucket[t.bucket].push(p.ranges[i]));
      this.bucketTypes.forEach((type, b) => editor.setDecorations(type, perBucket[b]));
      // A wrapped line cuts the hint after the text down to "◂": there the label CodeLens above the text
      // (labelCodeLens.ts) and the status bar carry it alone.
      editor.setDecorations(this.labelType, mine && !wrapsLines(editor) ? [this.labelHint(p)] : []);
    }
    void vscode.commands.executeCommand('setContext', 'probescope.overlayVisible', p !== undefined);
    this.state.update({ overlay: p ? this.describe(p) : null });
  }

  private labelHint(p: Painted): vscode.DecorationOptions {
    const r = p.classification.result;
    const prob = r.probabilities[r.label] ?? 0;
    return {
      range: new vscode.Range(p.end, p.end),
      renderOptions: { after: { contentText: `◂ ${r.label} ${prob.toFixed(2)}` } },
    };
  }

  private describe(p: Painted): NonNullable<HostState['current']['overlay']> {
    const r = p.classification.result;
    const ranges: OverlayRangeState[] = p.tokens.map((t, i) => ({
      start: [p.ranges[i].start.line, p.ranges[i].start.character],
      end: [p.ranges[i].end.line, p.ranges[i].end.character],
      bucket: t.bucket,
      weight: t.weight,
      text: p.classification.text.slice(t.start, t.end),
    }));
    return {
      uri: p.classification.uri.toString(),
      label: r.label,
      probability: r.probabilities[r.label] ?? 0,
      probeName: p.classification.probeName,
      heads: String(this.head),
      ranges,
    };
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const p = this.painted;
    if (!p || doc.uri.toString() !== p.classification.uri.toString()) return undefined;
    const i = p.ranges.findIndex((r) => r.contains(pos) && !r.isEmpty);
    if (i < 0) return undefined;
    return new vscode.Hover(tokenHover(p.tokens[i], p.classification, this.head), p.ranges[i]);
  }

  dispose(): void {
    this.clear();
    for (const t of this.bucketTypes) t.dispose();
    this.labelType.dispose();
    this.headChanged.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Whether the editor wraps long lines (editor.wordWrap other than "off", per language). */
function wrapsLines(editor: vscode.TextEditor): boolean {
  return vscode.workspace.getConfiguration('editor', editor.document).get<string>('wordWrap', 'off') !== 'off';
}
