/**
 * The probe step with the batch resident on the device: the same loss-and-gradient graph as ProbeComputer, but x,
 * mask and labels are initializers (external data) instead of inputs, so each run feeds only the probe parameters.
 * ProbeComputer feeds x from host memory every step (onnxruntime-node has no GPU-buffer inputs), so on a GPU its
 * step includes uploading x (2.4 GB at 2048×128×2304); this variant measures the step without that transfer — what
 * full-batch training could reach by keeping the fixed batch on the device.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { createSession } from '../../src/core/model/session';
import { DataType, encodeModel, tensor } from '../../src/core/onnx/proto';
import { buildProbeGraph } from '../../src/core/probes/probeGraph';
import type { ProbeBatch, ProbeParams } from '../../src/core/probes/probeParams';
import type { ProbeStepSpec, ProbeStepRun } from './probeStep';
import { stepKey } from './probeStep';
import { compare, type BenchProvider } from './report';

/** Writes the probe graph with x, mask and labels as external-data initializers; returns the model path. */
export async function writeResidentProbeModel(dir: string, spec: ProbeStepSpec, batch: ProbeBatch): Promise<string> {
  await mkdir(dir, { recursive: true });
  const m = buildProbeGraph({ H: spec.H, C: 1, D: spec.D, dtype: 'float32', withGrad: true });
  const g = m.graph!;
  const data: [string, Float32Array, number[]][] = [
    ['x', batch.x, [batch.B, batch.S, batch.D]],
    ['mask', batch.mask, [batch.B, batch.S]],
    ['labels', batch.labels, [batch.B]],
  ];
  g.input = g.input.filter((i) => !data.some(([n]) => n === i.name));
  const fd = openSync(join(dir, 'batch.bin'), 'w');
  let offset = 0;
  try {
    for (const [name, values, dims] of data) {
      const t = tensor(name, dims, [], DataType.FLOAT);
      const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
      t.dataLocation = TensorProto_DataLocation.EXTERNAL;
      t.externalData = [
        entry('location', 'batch.bin'),
        entry('offset', String(offset)),
        entry('length', String(values.byteLength)),
      ];
      g.initializer.push(t);
      // fs cannot write one buffer over 2 GiB: 256 MiB at a time.
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let o = 0; o < bytes.length; o += 256 * 2 ** 20) writeSync(fd, bytes.subarray(o, o + 256 * 2 ** 20));
      offset += values.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  const path = join(dir, 'probe-resident.onnx');
  await writeFile(path, encodeModel(m));
  return path;
}

export async function measureResidentProbeStep(
  spec: ProbeStepSpec,
  modelPath: string,
  params: ProbeParams,
  provider: BenchProvider,
  cpu?: Float32Array[],
): Promise<ProbeStepRun> {
  const session = await createSession(modelPath, provider);
  try {
    const { H, D } = spec;
    const feeds = {
      q: new ort.Tensor('float32', params.q, [H, D]),
      w: new ort.Tensor('float32', params.w, [H]),
      V: new ort.Tensor('float32', params.V, [H, D]),
      b: new ort.Tensor('float32', params.b, [H]),
    };
    const r = await session.run(feeds); // warm-up: uploads the batch once
    const values = ['loss', 'logits', 'dq', 'dw', 'dV', 'db'].map((k) => (r[k]!.data as Float32Array).slice());
    const times: number[] = [];
    for (let i = 0; i < spec.steps; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      result: {
        shape: `${stepKey(spec)} resident`,
        H,
        steps: spec.steps,
        msPerStep: times[Math.floor(times.length / 2)]!,
        bestMs: times[0]!,
        ranOn: provider,
        ...(cpu ? { vsCpu: compare(values, cpu) } : {}),
      },
      values,
    };
  } finally {
    await session.release();
  }
}
