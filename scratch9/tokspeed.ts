import { GemmaTokenizer } from '../src/core/model/tokenizer';
import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
(async () => {
  const tok = await GemmaTokenizer.load('models/tiny-gemma2');
  const raw = new Tokenizer(JSON.parse(readFileSync('models/tiny-gemma2/tokenizer.json', 'utf8')), JSON.parse(readFileSync('models/tiny-gemma2/tokenizer_config.json', 'utf8')));
  for (const n of [10000, 20000, 40000]) {
    const text = 'vote '.repeat(n);
    let t0 = performance.now();
    const e = raw.encode(text, { add_special_tokens: false });
    const t1 = performance.now();
    tok.encode(text);
    const t2 = performance.now();
    console.log(n, 'raw', (t1 - t0).toFixed(0), 'ms; ours', (t2 - t1).toFixed(0), 'ms', e.ids.length);
  }
})();
