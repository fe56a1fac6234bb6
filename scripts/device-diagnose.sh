#!/usr/bin/env bash
# Diagnoses why WebGPU finds no Vulkan adapter on a lent GPU machine: device nodes, driver state, and the quick
# device check under several ICD manifests with the Vulkan loader's own debug output. Writes diag.txt and one log per
# variant to $OUT. Changes nothing on the machine.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-./device-results}
mkdir -p "$out"
{
  echo "--- /dev/nvidia* /dev/dri"; ls -la /dev/nvidia* /dev/dri 2>&1
  echo "--- /usr/local/nvidia/dev"; ls -la /usr/local/nvidia/dev 2>&1 | head -30
  echo "--- /usr/local/nvidia/etc"; ls -laR /usr/local/nvidia/etc 2>&1 | head -30
  echo "--- /usr/local/nvidia/share"; find /usr/local/nvidia/share 2>&1 | head -30
  echo "--- env NVIDIA"; env | grep -i -E 'nvidia|cuda|vk_|display' 2>&1
  echo "--- modules"; grep -i nvidia /proc/modules 2>&1
  echo "--- /proc/driver/nvidia"; cat /proc/driver/nvidia/version 2>&1; cat /proc/driver/nvidia/gpus/*/information 2>&1 | head -20
  echo "--- /etc/vulkan /usr/share/vulkan"; find /etc/vulkan /usr/share/vulkan /usr/share/glvnd /etc/glvnd 2>&1 | head
  echo "--- ldd libGLX_nvidia"; ldd /usr/local/nvidia/lib64/libGLX_nvidia.so.0 2>&1
  echo "--- /lib/libGLX_nvidia.so.0"; ls -la /lib/libGLX_nvidia.so.0 /lib/libnvidia-glcore* 2>&1; readlink -f /lib/libGLX_nvidia.so.0
  echo "--- nvidia-smi -q (display, virtualization)"; nvidia-smi -q 2>&1 | grep -i -E 'display|virtual|mode|persistence|MIG' | head -20
} >"$out/diag.txt" 2>&1
tmp=$(mktemp -d)
variant() { # name icd-library
  local name=$1 lib=$2 icd=$tmp/$1.json
  printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.4.312"}}\n' "$lib" >"$icd"
  OUT=$tmp/$name DEVICE_CHECK_MODE=quick DEVICE_CHECK_TIMEOUT=60 DEVICE_CHECK_ICD=$icd \
    VK_LOADER_DEBUG=error,warn,driver timeout 90 bash "$here/device-check.sh" >"$out/$name.log" 2>&1
  echo "rc=$?" >>"$out/$name.log"
  grep -h -i -E 'webgpu|verdict' "$tmp/$name/device-check.json" >>"$out/$name.log" 2>/dev/null
}
variant v1-abs-lib64 /usr/local/nvidia/lib64/libGLX_nvidia.so.0
variant v2-egl /usr/local/nvidia/lib64/libEGL_nvidia.so.0
variant v3-lib /lib/libGLX_nvidia.so.0
echo done
