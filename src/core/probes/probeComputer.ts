/**
 * Runs the probe graph (probeGraph.ts) in onnxruntime-node. Sessions are built lazily, once per (shape, withGrad),
 * and reused for every step: building a session costs milliseconds, a step on real data a few to hundreds.
 */
import * as ort from 'onnxruntime-node';
import { ProbescopeError } from '../errors';
import { createSession, resolveExecutionProvider } from '../model/session';
import { encodeModel } from '../onnx/proto';
import type { ExecutionProviderSetting } from '../../protocol/types';
import { buildProbeGraph } from './probeGraph';
import type { ProbeBatch, ProbeParams } from './probeParams';

export interface ProbeShape {
  H: number;
  C: number;
  D: number;
}

export interface ProbeComputerOptions {
  executionProvider?: ExecutionProviderSetting;
}

export class ProbeComputer {
  private gradSession?: Promise<ort.InferenceSession>;
  private forwardSession?: Promise<ort.InferenceSession>;

  private constructor(
    readonly shape: ProbeShape,
    /** Where the probe graph runs; becomes 'cpu' if the GPU provider cannot build the probe session. */
    public provider: 'cpu' | 'webgpu' | 'cuda',
    /** One line saying why a GPU setting ended up on CPU. */
    public notice: string | undefined,
  ) {}

  static async create(shape: ProbeShape, opts: ProbeComputerOptions = {}): Promise<ProbeComputer> {
    const { H, C, D } = shape;
    for (const [k, v] of Object.entries({ H, C, D })) {
      if (!Number.isInteger(v) || v < 1)
        throw new ProbescopeError('BAD_ARGUMENT', `Probe ${k} must be a positive integer, got ${v}.`);
    }
    const { provider, notice } = await resolveExecutionProvider(opts.executionProvider ?? 'cpu');
    return new ProbeComputer({ H, C, D }, provider, notice);
  }

  /** Mean loss over the batch and its gradient with respect to every parameter (plus the logits [B*C], free). */
  async lossAndGrad(
    p: ProbeParams,
    batch: ProbeBatch,
  ): Promise<{ loss: number; grad: ProbeParams; logits: Float32Array }> {
    this.checkParams(p);
    this.checkBatch(batch, true);
    this.gradSession ??= this.createSession(true).catch((e: unknown) => {
      this.gradSession = undefined; // let a later call retry
      throw e;
    });
    const session = await this.gradSession;
    const r = await session.run({ ...this.dataFeeds(batch, true), ...this.paramFeeds(p) });
    const { H, C, D } = this.shape;
    const grad: ProbeParams = {
      H,
      C,
      D,
      q: r.dq!.data as Float32Array,
      w: r.dw!.data as Float32Array,
      V: r.dV!.data as Float32Array,
      b: r.db!.data as Float32Array,
    };
    return { loss: (r.loss!.data as Float32Array)[0]!, grad, logits: r.logits!.data as Float32Array };
  }

  /** Logits [B*C] and attention [B*S*H] (softmax over each example's valid tokens). */
  async forward(
    p: ProbeParams,
    batch: Omit<ProbeBatch, 'labels'> & { labels?: Float32Array },
  ): Promise<{ logits: Float32Array; attention: Float32Array }> {
    this.checkParams(p);
    this.checkBatch(batch, false);
    this.forwardSession ??= this.createSession(false).catch((e: unknown) => {
      this.forwardSession = undefined;
      throw e;
    });
    const session = await this.forwardSession;
    const r = await session.run({ ...this.dataFeeds(batch, false), ...this.paramFeeds(p) });
    return { logits: r.logits!.data as Float32Array, attention: r.attention!.data as Float32Array };
  }

  async dispose(): Promise<void> {
    const sessions = [this.gradSession, this.forwardSession];
    this.gradSession = this.forwardSession = undefined;
    for (const s of sessions) if (s) await (await s).release();
  }

  private async createSession(withGrad: boolean): Promise<ort.InferenceSession> {
    const bytes = encodeModel(buildProbeGraph({ ...this.shape, dtype: 'float32', withGrad }));
    if (this.provider === 'cpu') return createSession(bytes, 'cpu'); // intraOpNumThreads = availableParallelism()
    try {
      return await createSession(bytes, this.provider);
    } catch (e) {
      this.notice = `Probe graph runs on CPU (${this.provider} could not build it: ${(e as Error).message.slice(0, 160)}).`;
      this.provider = 'cpu';
      return createSession(bytes, 'cpu');
    }
  }

  private dataFeeds(
    batch: Omit<ProbeBatch, 'labels'> & { labels?: Float32Array },
    withLabels: boolean,
  ): Record<string, ort.Tensor> {
    const { B, S, D } = batch;
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', batch.x, [B, S, D]),
      mask: new ort.Tensor('float32', batch.mask, [B, S]),
    };
    if (withLabels) feeds.labels = new ort.Tensor('float32', batch.labels!, [B]);
    return feeds;
  }

  private paramFeeds(p: ProbeParams): Record<string, ort.Tensor> {
    const { H, C, D } = p;
    return {
      q: new ort.Tensor('float32', p.q, [H, D]),
      w: new ort.Tensor('float32', p.w, [H]),
      V: new ort.Tensor('float32', p.V, [H * C, D]),
      b: new ort.Tensor('float32', p.b, [H * C]),
    };
  }

  private checkParams(p: ProbeParams): void {
    const { H, C, D } = this.shape;
    if (p.H !== H || p.C !== C || p.D !== D) {
      throw new ProbescopeError(
        'PROBE_MISMATCH',
        `Probe parameters are H=${p.H}, C=${p.C}, D=${p.D} but this computer was built for H=${H}, C=${C}, D=${D}.`,
      );
    }
    const want = { q: H * D, w: H, V: H * C * D, b: H * C };
    for (const [k, n] of Object.entries(want)) {
      const len = (p as unknown as Record<string, Float32Array>)[k]!.length;
      if (len !== n)
        throw new ProbescopeError('PROBE_INVALID', `Probe parameter ${k} has ${len} values, expected ${n}.`);
    }
  }

  private checkBatch(batch: Omit<ProbeBatch, 'labels'> & { labels?: Float32Array }, withLabels: boolean): void {
    const { B, S, D } = batch;
    if (D !== this.shape.D) {
      throw new ProbescopeError(
        'PROBE_MISMATCH',
        `Activations have d_model ${D} but the probe expects ${this.shape.D}: use activations from the model and layer the probe was trained on.`,
      );
    }
    if (!(B >= 1 && S >= 1))
      throw new ProbescopeError(
        'BAD_ARGUMENT',
        `Probe batch needs at least one example and one token (B=${B}, S=${S}).`,
      );
    const bad = (what: string, got: number, want: number) =>
      new ProbescopeError(
        'BAD_ARGUMENT',
        `Probe batch ${what} has ${got} values, expected ${want} (B=${B}, S=${S}, D=${D}).`,
      );
    if (batch.x.length !== B * S * D) throw bad('x', batch.x.length, B * S * D);
    if (batch.mask.length !== B * S) throw bad('mask', batch.mask.length, B * S);
    if (withLabels && batch.labels?.length !== B) throw bad('labels', batch.labels?.length ?? 0, B);
  }
}
