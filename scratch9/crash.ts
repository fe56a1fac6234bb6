import { resolveModelFolder } from '../src/core/model/modelFolder';
import { ActivationExtractor } from '../src/core/model/extractor';
const n = +process.argv[2];
(async () => {
  const folder = await resolveModelFolder('models/tiny-gemma2');
  console.error('folder');
  const ex = await ActivationExtractor.create(folder, [1], { cacheDir: '/tmp/pc9', executionProvider: 'cpu' });
  console.error('created');
  const toks = ex.tokenize('vote '.repeat(n));
  console.error('tokenized', toks.length);
  const r = await ex.extract(['vote '.repeat(n)]);
  console.error('extracted', r[0].tokens.length);
})();
