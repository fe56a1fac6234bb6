#!/usr/bin/env bash
# The one-shot GPU check (issue 17). Runs from the repository root on a bare Linux x86-64 machine with an NVIDIA GPU,
# nothing installed and no network, using only .device-bundle/ (made by scripts/prepare-device-bundle.sh and carried
# along): unpacks node, onnxruntime-node's native library and the Vulkan loader into a fresh temp folder, points Vulkan
# at the NVIDIA driver's ICD, runs the execution-provider bench (bench/providers/) and writes under $OUT:
#   device-check.json   what ran: bundle, environment, providers asked for and skipped, exit status of the bench
#   bench.json          the bench's report (per provider: tokens/s, ms/step, max abs diff against the CPU EP)
#   environment.txt     GPU, driver, Vulkan ICD and library diagnostics
#   device-check.log    everything printed
# Needs only bash, coreutils, and xz + dpkg-deb (or python3, used instead where they are missing).
#
# env: OUT (results folder; default ./device-results), DEVICE_CHECK_EPS (default webgpu, plus cuda when the bundle
#      holds its binaries; "cpu" = the CPU EP measured twice, for a machine without a GPU), DEVICE_CHECK_MODE
#      (full|quick, default full), DEVICE_CHECK_TIMEOUT (seconds for the bench, default 270), DEVICE_CHECK_BUNDLE
#      (default .device-bundle), DEVICE_CHECK_ICD (default /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json)
# Exit status: the bench's (124 when it ran past DEVICE_CHECK_TIMEOUT; bench.json then holds what it measured).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-$root/device-results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bundle=${DEVICE_CHECK_BUNDLE:-$root/.device-bundle}
mode=${DEVICE_CHECK_MODE:-full}
bench_timeout=${DEVICE_CHECK_TIMEOUT:-270}
icd=${DEVICE_CHECK_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
log=$out/device-check.log
: >"$log"
say() { echo "device-check: $*" | tee -a "$log" >&2; }
die() {
  say "ERROR: $*"
  exit 1
}
t_start=$(date +%s)

[[ -f $bundle/manifest.json ]] || die "no bundle at $bundle: run scripts/prepare-device-bundle.sh on the CPU machine and carry .device-bundle"
work=$(mktemp -d "${TMPDIR:-/tmp}/ps-device.XXXXXX")
say "unpacking into $work"

have() { command -v "$1" >/dev/null 2>&1; }
unxz_to() { # unxz_to SRC.xz DST
  if have xz; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}
deb_extract() { # deb_extract FILE.deb DIR
  if have dpkg-deb; then
    dpkg-deb -x "$1" "$2"
  else
    python3 - "$1" "$2" <<'EOF'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'!<arch>\n', 'not a .deb (ar) archive'
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
        break
    pos += 60 + size + (size & 1)
else:
    sys.exit('no data.tar member in ' + sys.argv[1])
EOF
  fi
}

# node
mkdir -p "$work/bin"
unxz_to "$bundle/node.xz" "$work/bin/node" || die "could not decompress node.xz"
chmod +x "$work/bin/node"
node=$work/bin/node
node_version=$("$node" -v) || die "the carried node does not run here"
say "node $node_version"

# the bench and onnxruntime-node (native library decompressed next to its binding, where the binding's rpath looks)
cp -r "$bundle/app" "$work/app" || die "could not copy the bundle's app folder"
while IFS= read -r -d '' f; do
  unxz_to "$f" "${f%.xz}" && rm -f "$f" || die "could not decompress $f"
done < <(find "$work/app" -name '*.xz' -print0)

# Vulkan loader: unpacked, never installed (no apt, no network); Dawn dlopens libvulkan.so.1 through the library path
mkdir -p "$work/vulkan"
for deb in "$bundle"/debs/*.deb; do
  [[ -e $deb ]] || continue
  deb_extract "$deb" "$work/vulkan" || die "could not unpack $deb"
done
vk_lib=$work/vulkan/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$vk_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [[ -d $d ]] && LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$d; done
if [[ -f $icd ]]; then
  export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
  say "Vulkan ICD: $icd"
else
  say "no Vulkan ICD at $icd: WebGPU will find no GPU adapter"
fi

# which providers
if [[ -n ${DEVICE_CHECK_EPS:-} ]]; then
  eps=$DEVICE_CHECK_EPS
  cuda_note=""
elif grep -q '"cuda": true' "$bundle/manifest.json"; then
  eps=webgpu,cuda
  cuda_note=""
else
  eps=webgpu
  cuda_note="cuda skipped: the bundle holds no CUDA EP binaries (onnxruntime-node downloads them at install time, ONNXRUNTIME_NODE_INSTALL=cuda12; no network here)"
  say "$cuda_note"
fi

# diagnostics
{
  echo "date: $(date -u +%FT%TZ)"
  echo "uname: $(uname -a)"
  echo "node: $node_version"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
  if have nvidia-smi; then nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; else echo "nvidia-smi: not found"; fi
  [[ -f $icd ]] && { echo "--- $icd"; cat "$icd"; }
  echo "--- vulkan loader files"; ls -la "$vk_lib" 2>&1
  echo "--- /usr/local/nvidia"; ls /usr/local/nvidia /usr/local/nvidia/lib64 2>&1 | head -80
  have ldconfig && { echo "--- ldconfig -p (vulkan, nvidia)"; ldconfig -p | grep -Ei 'vulkan|GLX_nvidia|nvidia-glvk' ; }
  echo "--- device nodes"; ls -la /dev/nvidia* 2>&1
  echo "--- nvidia kernel modules loaded"; grep -i nvidia /proc/modules 2>&1
  echo "--- ldd onnxruntime_binding.node"
  have ldd && ldd "$work/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node"
} >"$out/environment.txt" 2>&1

loader=$("$node" -e '
try { process.dlopen({ exports: {} }, "libvulkan.so.1", require("os").constants.dlopen.RTLD_LAZY); console.log("found"); }
catch (e) { console.log(/cannot open shared object/.test(e.message) ? "missing" : "found"); }')
say "Vulkan loader (libvulkan.so.1): $loader"

# the bench
bench_args=(--ep "$eps" --json "$out/bench.json" --root "$root")
[[ $mode == quick ]] && bench_args+=(--quick)
say "bench: --ep $eps ($mode shapes, timeout ${bench_timeout}s)"
t_bench=$(date +%s)
timeout --kill-after=10 "$bench_timeout" "$node" "$work/app/providers-bench.js" "${bench_args[@]}" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
say "bench exited $rc after $(($(date +%s) - t_bench)) s"

# The NVIDIA Vulkan driver (libGLX_nvidia) hands the loader no vkCreateInstance when the driver is not fully
# initialised; on the H200 lent on 2026-11-30 only the nvidia and nvidia_uvm modules were loaded (no nvidia_modeset,
# no /dev/nvidia-modeset). Say so next to the verdicts; loading kernel modules on a lent machine is not ours to do.
driver_note=""
if grep -q "Could not get 'vkCreateInstance'" "$log" 2>/dev/null; then
  driver_note="the NVIDIA Vulkan driver did not initialise (the loader got no vkCreateInstance from it)"
  if [[ ! -e /dev/nvidia-modeset ]]; then
    driver_note+="; /dev/nvidia-modeset is absent and the loaded modules are: $(grep -o '^nvidia[a-z_]*' /proc/modules 2>/dev/null | tr '\n' ' ')"
  fi
  say "Vulkan driver: $driver_note"
fi

"$node" - "$out/device-check.json" "$bundle/manifest.json" "$eps" "$mode" "$rc" "$loader" "$icd" "$cuda_note" \
  "$(($(date +%s) - t_start))" "$driver_note" <<'EOF'
const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const [file, manifestPath, eps, mode, rc, loader, icd, cudaNote, seconds, driverNote] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const benchPath = require('node:path').join(require('node:path').dirname(file), 'bench.json');
const bench = existsSync(benchPath) ? JSON.parse(readFileSync(benchPath, 'utf8')) : undefined;
const result = {
  kind: 'probescope-device-check',
  date: new Date().toISOString(),
  node: process.version,
  bundle: { created: manifest.created, onnxruntime: manifest.onnxruntime, cuda: manifest.cuda },
  providers: eps.split(','),
  skipped: cudaNote ? [cudaNote] : [],
  mode,
  vulkanLoader: loader,
  vulkanIcd: existsSync(icd) ? icd : null,
  vulkanDriver: driverNote || null,
  benchExitCode: Number(rc),
  benchReport: bench ? 'bench.json' : null,
  benchComplete: Boolean(bench && bench.finishedAt),
  verdicts: bench ? bench.verdicts : [],
  seconds: Number(seconds),
};
writeFileSync(file + '.tmp', JSON.stringify(result, null, 2) + '\n');
renameSync(file + '.tmp', file);
EOF
rm -rf "$work"
exit "$rc"
