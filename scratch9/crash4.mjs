import * as ort from 'onnxruntime-node';
const [path, level] = [process.argv[2], process.argv[3]];
const s = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], graphOptimizationLevel: level, logSeverityLevel: 3 });
console.error('ok', path, level);
