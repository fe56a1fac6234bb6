/** AdamW with the exact update of torch.optim.AdamW (decoupled weight decay, bias-corrected moments). */
export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled weight decay. Default 0, the attention-probe reference's default (torch's own default is 1e-2). */
  weightDecay?: number;
}

export class AdamW {
  /** Mutable so a caller can schedule the learning rate between steps. */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private m?: Float64Array;
  private v?: Float64Array;
  private t = 0;

  constructor(opts: AdamWOptions) {
    this.lr = opts.lr;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.t;
  }

  /** Updates params in place from grad (same length every call). */
  step(params: Float64Array, grad: Float64Array): void {
    if (grad.length !== params.length)
      throw new Error(`AdamW.step: ${grad.length} gradients for ${params.length} parameters`);
    if (!this.m || this.m.length !== params.length) {
      this.m = new Float64Array(params.length);
      this.v = new Float64Array(params.length);
      this.t = 0;
    }
    const m = this.m;
    const v = this.v!;
    const { lr, beta1, beta2, eps } = this;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = lr / bc1;
    const decay = 1 - lr * this.weightDecay;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      const mi = (m[i] = beta1 * m[i]! + (1 - beta1) * g);
      const vi = (v[i] = beta2 * v[i]! + (1 - beta2) * g * g);
      params[i] = params[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  }
}
