import { GemmaTokenizer } from '../src/core/model/tokenizer';
import { paintUnits } from '../src/protocol/paintUnits';
(async () => {
  const tok = await GemmaTokenizer.load('models/tiny-gemma2');
  for (const cluster of ['👩‍💻', '🇨🇭', '👍🏽', '🗳️', 'e\u0301', '👨‍👩‍👧']) {
    const text = `a ${cluster} b`;
    const spans = tok.encode(text);
    console.log(JSON.stringify(cluster), spans.map((s) => `${s.text}[${s.start},${s.end})`).join(' '));
    console.log('  units', paintUnits(text, spans).map((u) => `${JSON.stringify(text.slice(u.start, u.end))}[${u.start},${u.end})`).join(' '));
  }
})();
