import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProbeComputer } from '../../../../src/core/probes/probeComputer';
import type { ProbeBatch, ProbeParams } from '../../../../src/core/probes/probeParams';

interface RefCase {
  name: string;
  B: number;
  S: number;
  D: number;
  H: number;
  C: number;
  x: number[][][];
  mask: number[][];
  y: number[];
  params: Record<'q.weight' | 'position_weight' | 'v.weight' | 'v.bias', number[] | number[][]>;
  output: number[][];
  attention: number[][][];
  loss: number;
  grads: Record<'q.weight' | 'position_weight' | 'v.weight' | 'v.bias', number[] | number[][]>;
}
const ref = JSON.parse(
  readFileSync(path.join(__dirname, '../../../fixtures/attention-probe-reference.json'), 'utf8'),
) as { cases: RefCase[] };

const TOL = 1e-5; // relative or absolute, whichever is larger: never loosen
const f32 = (a: unknown): Float32Array => Float32Array.from((a as number[]).flat(3) as number[]);

function maxErr(got: ArrayLike<number>, want: number[]): number {
  assert.equal(got.length, want.length, 'length');
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  return m;
}

function toParams(c: RefCase, t: RefCase['params']): ProbeParams {
  return {
    H: c.H,
    C: c.C,
    D: c.D,
    q: f32(t['q.weight']),
    w: f32(t.position_weight),
    V: f32(t['v.weight']),
    b: f32(t['v.bias']),
  };
}

const computers: ProbeComputer[] = [];
after(async () => {
  for (const c of computers) await c.dispose();
});

describe('attention probe matches EleutherAI AttentionProbe reference vectors (padded batches)', () => {
  assert.equal(ref.cases.length, 3);
  for (const c of ref.cases) {
    const batch: ProbeBatch = { B: c.B, S: c.S, D: c.D, x: f32(c.x), mask: f32(c.mask), labels: f32(c.y) };
    const params = toParams(c, c.params);

    it(`${c.name}: loss, logits, attention and all four gradients within 1e-5`, async () => {
      const pc = await ProbeComputer.create({ H: c.H, C: c.C, D: c.D });
      computers.push(pc);
      const { loss, grad } = await pc.lossAndGrad(params, batch);
      const want = toParams(c, c.grads);
      const errs = {
        loss: maxErr([loss], [c.loss]),
        dq: maxErr(grad.q, [...want.q]),
        dw: maxErr(grad.w, [...want.w]),
        dV: maxErr(grad.V, [...want.V]),
        db: maxErr(grad.b, [...want.b]),
      };
      const fwd = await pc.forward(params, batch);
      Object.assign(errs, {
        logits: maxErr(fwd.logits, c.output.flat()),
        attention: maxErr(fwd.attention, c.attention.flat(2)),
      });
      console.log(
        `  ${c.name} max error`,
        Object.entries(errs)
          .map(([k, v]) => `${k} ${v.toExponential(1)}`)
          .join(', '),
      );
      for (const [k, v] of Object.entries(errs)) assert.ok(v <= TOL, `${c.name} ${k} error ${v} > ${TOL}`);
    });

    it(`${c.name}: padded positions get exactly zero attention and each head's attention sums to 1`, async () => {
      const pc = await ProbeComputer.create({ H: c.H, C: c.C, D: c.D });
      computers.push(pc);
      const { attention } = await pc.forward(params, batch);
      for (let b = 0; b < c.B; b++) {
        for (let h = 0; h < c.H; h++) {
          let sum = 0;
          for (let t = 0; t < c.S; t++) {
            const p = attention[(b * c.S + t) * c.H + h]!;
            if (c.mask[b]![t] === 0) assert.equal(p, 0);
            sum += p;
          }
          assert.ok(Math.abs(sum - 1) < 1e-6, `sum ${sum}`);
        }
      }
    });
  }
});
