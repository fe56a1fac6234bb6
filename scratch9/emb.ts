import { readFileSync } from 'node:fs';
import { decodeModel } from '../src/core/onnx/proto';
const m = decodeModel(readFileSync('models/tiny-gemma2/model.onnx'));
for (const t of m.graph!.initializer.slice(0, 400)) if (/embed/i.test(t.name)) console.log(t.name, t.dims, t.dataType, t.rawData?.length, t.floatData?.length);
