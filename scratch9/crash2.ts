import { activationsCommand } from '../src/cli/commands/activations';
const n = +process.argv[2];
(async () => {
  const r = await activationsCommand.run({ model: 'models/tiny-gemma2', layers: '1', text: 'vote '.repeat(n), 'execution-provider': 'cpu' } as any, { log: (m: string) => console.error(m), progress() {}, step() {}, signal: new AbortController().signal } as any);
  console.error('ok');
  const s = JSON.stringify(r);
  console.error('json', s.length);
})();
