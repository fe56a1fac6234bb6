/**
 * The GPU check's CPU side, for real: scripts/prepare-device-bundle.sh builds a bundle (xz level 0 to stay fast), and
 * scripts/device-check.sh unpacks it in a fresh temp folder with a PATH that holds no node (and, in the second run,
 * no xz or dpkg-deb either: the python3 fallbacks), loads the unpacked Vulkan loader, runs the provider bench in quick
 * mode and writes its JSON under OUT. Only the GPU itself is missing here. Needs network for `apt-get download
 * libvulkan1` (or PROBESCOPE_DEBS_DIR) and python3; ~1 minute, hence its own test group (`node test/run.mjs scripts`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'ps-device-test-'));
const bundle = join(tmp, 'bundle');
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder of links to every program in /usr/bin and /bin except `without`: a clean PATH. */
function cleanPath(name: string, without: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const from of ['/usr/bin', '/bin']) {
    for (const f of readdirSync(from)) {
      if (without.includes(f) || existsSync(join(dir, f))) continue;
      symlinkSync(join(from, f), join(dir, f));
    }
  }
  return dir;
}

function run(script: string, args: string[], env: Record<string, string>) {
  return spawnSync('bash', [join(root, 'scripts', script), ...args], { cwd: root, env, encoding: 'utf8' });
}

interface BenchJson {
  mode: string;
  providers: Record<
    string,
    {
      available: boolean;
      reason?: string;
      extraction: Record<string, { tokensPerS: number; tokens: number; vsCpu?: { maxAbsDiff: number } }>;
      probeStep: Record<string, { msPerStep: number; ranOn: string; vsCpu?: { maxAbsDiff: number } }>;
    }
  >;
  verdicts: string[];
  finishedAt?: string;
}

const NO_NODE = ['node', 'nodejs', 'npm', 'npx', 'corepack'];
/** The --fast bundle's budget here: the device's 64 MiB plus the ~8 MiB that xz -6 saves over xz -0. */
const FAST_BUDGET_MIB = 72;

describe('device check bundle (CPU side of the GPU run)', () => {
  let prepare: ReturnType<typeof run>;
  before(() => {
    // --fast (xz -0) keeps the test short; its bundle is ~8 MiB larger than the default xz -6 one that the device run
    // carries (docs/GPU-CHECK.md), so the test gives it the room of that difference: 72 MiB instead of 64.
    prepare = run('prepare-device-bundle.sh', ['--fast', '--out', bundle], {
      ...process.env,
      PROBESCOPE_DEVICE_BUDGET_BYTES: String(FAST_BUDGET_MIB * 2 ** 20),
    } as Record<string, string>);
  });

  it('prepare-device-bundle.sh packs node, the linux-x64 ORT native files, the bench and libvulkan1 within its budget', () => {
    assert.equal(prepare.status, 0, prepare.stderr + prepare.stdout);
    const m = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as {
      node: string;
      cuda: boolean;
      cudaNote: string;
      files: { path: string; bytes: number }[];
    };
    const paths = m.files.map((f) => f.path);
    for (const want of [
      'node.xz',
      'app/providers-bench.js',
      'app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1.xz',
      'app/node_modules/onnxruntime-node/dist/index.js',
      'app/node_modules/onnxruntime-common/dist/cjs/index.js',
    ])
      assert.ok(paths.includes(want), `${want} in the bundle`);
    assert.ok(paths.some((p) => /^debs\/libvulkan1_.*_amd64\.deb$/.test(p)));
    assert.ok(!paths.some((p) => /napi-v6\/(darwin|win32)|linux\/arm64/.test(p)), 'only linux-x64 native files');
    assert.equal(m.node, process.version);
    assert.equal(m.cuda, false);
    assert.match(m.cudaNote, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    const budget = /budget: bundle ([\d.]+) MiB \+ working tree ([\d.]+) MiB = ([\d.]+) MiB of ([\d.]+) MiB/.exec(
      prepare.stdout,
    );
    assert.ok(budget, prepare.stdout);
    assert.equal(Number(budget[4]), FAST_BUDGET_MIB);
    assert.ok(Math.abs(Number(budget[1]) + Number(budget[2]) - Number(budget[3])) < 0.11, 'the total adds up');
    assert.ok(Number(budget[3]) <= FAST_BUDGET_MIB && Number(budget[1]) > 20, `total ${budget[3]} MiB`);
  });

  it('the budget check fails with a message when bundle + working tree exceed the budget', () => {
    const r = run('prepare-device-bundle.sh', ['--check-only', '--out', bundle], {
      ...process.env,
      PROBESCOPE_DEVICE_BUDGET_BYTES: String(20 * 2 ** 20),
    } as Record<string, string>);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /over the device budget by [\d.]+ MiB: the working tree and the carried bundle must fit in 20\.0 MiB/,
    );
    // The same --fast bundle passes under the budget it was built for (see FAST_BUDGET_MIB).
    const ok = run('prepare-device-bundle.sh', ['--check-only', '--out', bundle], {
      ...process.env,
      PROBESCOPE_DEVICE_BUDGET_BYTES: String(FAST_BUDGET_MIB * 2 ** 20),
    } as Record<string, string>);
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('device-check.sh unpacks with no node on PATH, loads the carried Vulkan loader and writes JSON (WebGPU absent, CUDA skipped)', () => {
    const path = cleanPath('path-no-node', NO_NODE);
    assert.notEqual(spawnSync('bash', ['-c', 'command -v node'], { env: { PATH: path } }).status, 0, 'no node on PATH');
    const work = mkdtempSync(join(tmp, 'work-'));
    const out = join(tmp, 'out1');
    const r = run('device-check.sh', [], {
      PATH: path,
      HOME: tmp,
      TMPDIR: work,
      OUT: out,
      DEVICE_CHECK_BUNDLE: bundle,
      DEVICE_CHECK_MODE: 'quick',
      DEVICE_CHECK_ICD: join(tmp, 'no-such-icd.json'),
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.deepEqual(
      readdirSync(work).filter((f) => f.startsWith('ps-device.')),
      [],
      'the unpacked files are removed afterwards',
    );
    assert.deepEqual(readdirSync(out).sort(), [
      'bench.json',
      'device-check.json',
      'device-check.log',
      'environment.txt',
    ]);
    const check = JSON.parse(readFileSync(join(out, 'device-check.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(check.node, process.version, 'the carried node ran');
    assert.equal(check.vulkanLoader, 'found', 'libvulkan.so.1 from the unpacked .deb');
    assert.deepEqual(check.providers, ['webgpu']);
    assert.match((check.skipped as string[])[0]!, /^cuda skipped: the bundle holds no CUDA EP binaries/);
    assert.equal(check.benchExitCode, 0);
    assert.equal(check.benchComplete, true);
    assert.equal(check.vulkanDriver, null, 'no NVIDIA driver here to fail to initialise');
    const bench = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchJson;
    assert.equal(bench.mode, 'quick');
    assert.equal(bench.providers.webgpu!.available, false);
    assert.match(bench.providers.webgpu!.reason!, /WebGPU is unavailable \(Failed to get a WebGPU adapter/);
    const cpu = bench.providers.cpu!;
    assert.deepEqual(Object.keys(cpu.extraction), ['tiny', 'synthetic-small']);
    assert.deepEqual(Object.keys(cpu.probeStep), ['64x16x32', '64x16x32 resident', '30x7x8', '30x7x8 resident']);
    for (const e of Object.values(cpu.extraction)) assert.ok(e.tokens > 0 && e.tokensPerS > 0);
    for (const s of Object.values(cpu.probeStep)) assert.ok(s.msPerStep > 0 && s.ranOn === 'cpu');
    assert.ok(bench.verdicts.some((v) => v.startsWith('webgpu: not measured')));
    assert.match(readFileSync(join(out, 'environment.txt'), 'utf8'), /libvulkan\.so\.1/);
  });

  it('device-check.sh in CPU mode without xz and dpkg-deb (python3 fallbacks): a second CPU run matches the first exactly', () => {
    const path = cleanPath('path-bare', [...NO_NODE, 'xz', 'unxz', 'dpkg', 'dpkg-deb']);
    const out = join(tmp, 'out2');
    const r = run('device-check.sh', [], {
      PATH: path,
      HOME: tmp,
      TMPDIR: mkdtempSync(join(tmp, 'work-')),
      OUT: out,
      DEVICE_CHECK_BUNDLE: bundle,
      DEVICE_CHECK_MODE: 'quick',
      DEVICE_CHECK_EPS: 'cpu',
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const check = JSON.parse(readFileSync(join(out, 'device-check.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(check.vulkanLoader, 'found');
    const bench = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchJson;
    const again = bench.providers['cpu-again']!;
    const same = [
      ...Object.values(again.extraction),
      ...Object.entries(again.probeStep)
        .filter(([k]) => !k.endsWith('resident'))
        .map(([, v]) => v),
    ];
    assert.equal(same.length, 4);
    for (const c of same) assert.equal(c.vsCpu!.maxAbsDiff, 0, 'the same provider and graph give the same numbers');
    // The batch-resident graph (x as an initializer) is optimised differently: equal to fp32 rounding, not bit for bit.
    const resident = Object.entries(again.probeStep).filter(([k]) => k.endsWith('resident'));
    assert.equal(resident.length, 2);
    for (const [, c] of resident) assert.ok(c.vsCpu!.maxAbsDiff < 1e-6, `resident diff ${c.vsCpu!.maxAbsDiff}`);
    assert.ok(
      bench.verdicts.includes(
        'cpu-again: every compared state and gradient within 1e-4 (relative to max(1, |cpu|)) of the CPU EP',
      ),
    );
  });

  it('device-diagnose.sh lists the driver state and reruns the quick check under each ICD manifest with the loader debug on', () => {
    const out = join(tmp, 'diag');
    const r = run('device-diagnose.sh', [], {
      PATH: cleanPath('path-diag', NO_NODE),
      HOME: tmp,
      TMPDIR: mkdtempSync(join(tmp, 'work-')),
      OUT: out,
      DEVICE_CHECK_BUNDLE: bundle,
    });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const names = ['v1-abs-lib64.log', 'v2-egl.log', 'v3-lib.log'];
    assert.deepEqual(readdirSync(out).sort(), ['diag.txt', ...names]);
    assert.match(readFileSync(join(out, 'diag.txt'), 'utf8'), /--- \/dev\/nvidia\* \/dev\/dri[\s\S]*--- modules/);
    for (const name of names) {
      const log = readFileSync(join(out, name), 'utf8');
      assert.match(log, /Found ICD manifest file .*\.json/, `${name}: the loader's own debug output`);
      assert.match(log, /webgpu: unavailable: WebGPU is unavailable/);
      assert.match(log, /^rc=0$/m);
    }
  });
});
