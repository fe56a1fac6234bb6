import { resolveModelFolder } from '../src/core/model/modelFolder';
import { ActivationExtractor } from '../src/core/model/extractor';
(async () => {
  const folder = await resolveModelFolder('models/tiny-gemma2');
  const ex = await ActivationExtractor.create(folder, [1], { cacheDir: '/tmp/pc9', executionProvider: 'cpu' });
  console.error('created');
  const r = await ex.extract(['vote '.repeat(+process.argv[2])]);
  console.error('extracted', r[0].tokens.length);
})();
