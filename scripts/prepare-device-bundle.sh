#!/usr/bin/env bash
# Builds .device-bundle/ (git-ignored): everything scripts/device-check.sh needs on a bare Linux x86-64 GPU machine
# with nothing installed and no network, in at most 64 MiB together with the working tree that travels with it.
#   node.xz                  this machine's node binary, xz-compressed (~24 MB at -6)
#   app/providers-bench.js   the execution-provider bench (bench/providers/), bundled by esbuild
#   app/node_modules/        onnxruntime-node (JS + the linux-x64 native files only, the library xz-compressed)
#                            and onnxruntime-common (JS)
#   debs/libvulkan1_*.deb    Debian's Vulkan loader (WebGPU runs on Vulkan); unpacked there with dpkg -x
#   manifest.json            versions, sizes, sha256 of every file, whether CUDA EP binaries are included
#
# usage: scripts/prepare-device-bundle.sh [--out DIR] [--level N] [--fast] [--check-only]
#   --out DIR      build there instead of .device-bundle/ (the budget still counts this repository's working tree)
#   --level N      xz level 0-9 (default 6); --fast = --level 0 (bigger, seconds instead of minutes; tests use it)
#   --check-only   only check an existing bundle against the budget
# env: PROBESCOPE_DEVICE_BUDGET_BYTES (default 67108864 = 64 MiB), PROBESCOPE_DEBS_DIR (use the .deb files there
#      instead of apt-get download, e.g. offline)
# Exit 1 with a message when a step fails or the total is over the budget.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

out=$root/.device-bundle
level=6
check_only=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --level) level=$2; shift 2 ;;
    --fast) level=0; shift ;;
    --check-only) check_only=1; shift ;;
    *) echo "prepare-device-bundle: unknown argument '$1' (use --out DIR, --level N, --fast, --check-only)" >&2; exit 2 ;;
  esac
done
[[ $level =~ ^[0-9]$ ]] || { echo "prepare-device-bundle: --level must be 0-9, got '$level'" >&2; exit 2; }
budget=${PROBESCOPE_DEVICE_BUDGET_BYTES:-67108864}

fail() { echo "prepare-device-bundle: $*" >&2; exit 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# What travels to the device: tracked and untracked-not-ignored files of the working tree, the bundle (carried).
check_budget() {
  local dir=$1 tree=0 bundle size
  while IFS= read -r -d '' f; do
    [[ -f $f && ! -L $f ]] || continue
    size=$(stat -c %s -- "$f")
    tree=$((tree + size))
  done < <(git -C "$root" ls-files -z --cached --others --exclude-standard)
  bundle=$(du -sb "$dir" | cut -f1)
  local total=$((tree + bundle))
  echo "budget: bundle $(mib "$bundle") + working tree $(mib "$tree") = $(mib "$total") of $(mib "$budget")"
  if ((total > budget)); then
    fail "over the device budget by $(mib $((total - budget))): the working tree and the carried bundle must fit in $(mib "$budget"). Use a higher --level, or remove large untracked files from the working tree (git status)."
  fi
}

if ((check_only)); then
  [[ -f $out/manifest.json ]] || fail "no bundle at $out (run scripts/prepare-device-bundle.sh first)"
  check_budget "$out"
  exit 0
fi

[[ $(uname -m) == x86_64 && $(uname -s) == Linux ]] || fail "build the bundle on Linux x86-64 (the device machine's platform)"
node_bin=$(command -v node) || fail "node is not on PATH"
ort=$root/node_modules/onnxruntime-node
ort_native=$ort/bin/napi-v6/linux/x64
[[ -f $ort_native/libonnxruntime.so.1 ]] || fail "no $ort_native/libonnxruntime.so.1: run npm ci first"
command -v xz >/dev/null || fail "xz is not installed (Debian: apt-get install xz-utils)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ps-device-bundle.XXXXXX") # outside the repo: not counted as working tree
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" "$tmp/app/node_modules/onnxruntime-common" "$tmp/debs"

echo "bench: bundling bench/providers/main.ts"
"$root/node_modules/.bin/esbuild" bench/providers/main.ts --bundle --platform=node --format=cjs --target=node20 \
  --external:onnxruntime-node --legal-comments=none --log-level=warning --outfile="$tmp/app/providers-bench.js"
# Inlined modules keep their `if (require.main === module)` guards, which are all true inside one bundle: only the
# entry may have one, or another bench would run itself on the device.
mains=$(grep -c 'require\.main ===' "$tmp/app/providers-bench.js" || true)
((mains == 1)) || fail "the bench bundle has $mains self-running modules (require.main checks); import only modules without one"

echo "onnxruntime-node: JS and the linux-x64 native files (xz -$level)"
cp "$ort/package.json" "$tmp/app/node_modules/onnxruntime-node/"
cp -r "$ort/dist" "$tmp/app/node_modules/onnxruntime-node/"
cp "$root/node_modules/onnxruntime-common/package.json" "$tmp/app/node_modules/onnxruntime-common/"
cp -r "$root/node_modules/onnxruntime-common/dist" "$tmp/app/node_modules/onnxruntime-common/"
dst=$tmp/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
cuda=false
for f in "$ort_native"/*; do
  name=$(basename "$f")
  case $name in
    *.node) cp "$f" "$dst/" ;;
    *) xz -T0 "-$level" -c "$f" >"$dst/$name.xz" ;;
  esac
  [[ $name == libonnxruntime_providers_cuda.so ]] && cuda=true
done

echo "node $(node -v): xz -$level (this takes minutes at -6 on 2 cores)"
xz -T0 "-$level" -c "$node_bin" >"$tmp/node.xz"

if [[ -n ${PROBESCOPE_DEBS_DIR:-} ]]; then
  cp "$PROBESCOPE_DEBS_DIR"/libvulkan1_*_amd64.deb "$tmp/debs/" || fail "no libvulkan1_*_amd64.deb in $PROBESCOPE_DEBS_DIR"
else
  echo "debs: apt-get download libvulkan1"
  (cd "$tmp/debs" && apt-get -q -oAPT::Architecture=amd64 download libvulkan1 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  compgen -G "$tmp/debs/libvulkan1_*_amd64.deb" >/dev/null ||
    fail "apt-get download libvulkan1 fetched nothing: run 'apt-get update' first, or set PROBESCOPE_DEBS_DIR to a folder holding libvulkan1_*_amd64.deb"
fi

echo "manifest"
(
  cd "$tmp"
  node - "$cuda" "$level" <<'EOF'
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [cuda, level] = process.argv.slice(2);
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else files.push({ path: p, bytes: statSync(p).size, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') });
  }
};
walk('.');
const ort = JSON.parse(readFileSync('app/node_modules/onnxruntime-node/package.json', 'utf8'));
writeFileSync('manifest.json', JSON.stringify({
  kind: 'probescope-device-bundle',
  created: new Date().toISOString(),
  node: process.version,
  onnxruntime: ort.version,
  xzLevel: Number(level),
  cuda: cuda === 'true',
  cudaNote: cuda === 'true' ? 'CUDA EP binaries included' :
    'CUDA EP binaries not included: onnxruntime-node downloads them at install time (ONNXRUNTIME_NODE_INSTALL=cuda12), and they need CUDA 12 + cuDNN 9 libraries, far over the 64 MiB budget',
  files,
}, null, 2) + '\n');
EOF
)

check_budget "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "bundle ready: $out ($(mib "$(du -sb "$out" | cut -f1)"))"
