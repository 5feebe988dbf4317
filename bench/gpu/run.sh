#!/usr/bin/env bash
# Runs on the device machine, from the repo root, with .bench-out/gpu carried (bench/README.md):
# unpacks node + node_modules, installs the Vulkan loader, writes the 0.5B-shape model there, runs the bench on
# the GPU and a `frh run --gpu vulkan` smoke run. Results land in $OUT (or .bench-out/gpu when run elsewhere).
set -uo pipefail
cd "$(dirname "$0")/../.."
PK=.bench-out/gpu
DEST=${OUT:-$PK}
T=/tmp/frh-gpu
mkdir -p "$T" && tar -xJf "$PK/frh-gpu.tar.xz" -C "$T"
for f in "$T"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export PATH="$T/bin:$PATH" FRH_SHARED="$T/shared" UV_THREADPOOL_SIZE=16
[ -e node_modules ] || ln -s "$T/node_modules" node_modules
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$DEST/gpu.txt"
node -v
PROMPTS=${PROMPTS:-192}
# The bench: same tables as on CPU, GPU Vulkan, model written here.
node --import tsx bench/run.ts --gpu vulkan --prompts "$PROMPTS" --study bench/study-gpu.yaml --out "$DEST/bench-gpu.json" 2>&1 | tee "$DEST/bench-gpu.log"
# The CLI end to end on the GPU, on the model the bench wrote here (SKIP_CLI=1 skips it).
[ -n "${SKIP_CLI:-}" ] && exit 0
rm -f /tmp/frh-gpu.sqlite
time node bin/frh.mjs run bench/study-gpu.yaml --model .bench-out/random-0.5b-q8-v2.gguf --gpu vulkan --batch 64 --db /tmp/frh-gpu.sqlite 2>&1 | tail -40 | tee "$DEST/frh-run.log"
node bin/frh.mjs status --db /tmp/frh-gpu.sqlite 2>&1 | tail -20 | tee -a "$DEST/frh-run.log"
