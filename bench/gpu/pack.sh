#!/usr/bin/env bash
# Packs what a GPU bench needs into .bench-out/gpu/frh-gpu.tar.xz (git-ignored; bench/README.md):
# this machine's node binary, a trimmed node_modules (node-llama-cpp + its Vulkan prebuilt, better-sqlite3, the
# pure-JS runtime packages, tsx/esbuild), the Debian Vulkan loader debs (RUNTIME.md) and the vocabulary GGUF.
# The repo itself travels with the device call; the model is written on the device.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.bench-out/gpu
STAGE=$OUT/stage
rm -rf "$STAGE" && mkdir -p "$STAGE/bin" "$STAGE/debs" "$STAGE/shared/models"
cp "$(command -v node)" "$STAGE/bin/node"
strip "$STAGE/bin/node" 2>/dev/null || true

test -d node_modules/@node-llama-cpp/linux-x64-vulkan || npm pack --pack-destination "$OUT" @node-llama-cpp/linux-x64-vulkan@3.21.1
# Everything but what a Vulkan run never loads: other llama.cpp builds, ONNX, the browser, type checkers.
tar -C . -cf - \
  --exclude='node_modules/@node-llama-cpp/linux-arm64' --exclude='node_modules/@node-llama-cpp/linux-armv7l' \
  --exclude='node_modules/@node-llama-cpp/linux-x64-cuda' --exclude='node_modules/@node-llama-cpp/linux-x64-cuda-ext' \
  --exclude='node_modules/@node-llama-cpp/linux-x64' \
  --exclude='node_modules/node-llama-cpp/llama/gitRelease.bundle' --exclude='node_modules/node-llama-cpp/llama/llama.cpp' \
  --exclude='node_modules/onnxruntime-node' --exclude='node_modules/onnxruntime-web' --exclude='node_modules/@huggingface/transformers' \
  --exclude='node_modules/@img' --exclude='node_modules/sharp' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/typescript' --exclude='node_modules/@typescript' \
  --exclude='node_modules/better-sqlite3/deps' --exclude='node_modules/better-sqlite3/src' \
  --exclude='node_modules/better-sqlite3/build/Release/obj*' --exclude='node_modules/better-sqlite3/build/Release/.deps' \
  --exclude='*.map' --exclude='*.md' --exclude='*.d.ts' \
  node_modules | tar -C "$STAGE" -xf -
if [ ! -d "$STAGE/node_modules/@node-llama-cpp/linux-x64-vulkan" ]; then
  mkdir -p "$STAGE/node_modules/@node-llama-cpp/linux-x64-vulkan"
  tar -xzf "$OUT"/node-llama-cpp-linux-x64-vulkan-3.21.1.tgz -C "$STAGE/node_modules/@node-llama-cpp/linux-x64-vulkan" --strip-components=1
fi

# Vulkan loader and GL dispatch libraries (libvulkan1 alone was reported "not compatible").
if ! ls "$OUT"/debs/*.deb >/dev/null 2>&1; then
  mkdir -p "$OUT/debs" /tmp/frh-apt/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/frh-apt'
  apt-get $o update -qq
  (cd "$OUT/debs" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
cp "$OUT"/debs/*.deb "$STAGE/debs/"
VOCAB="${FRH_SHARED:-../shared}/models/llama-2-tiny-random.gguf"
cp "$VOCAB" "$STAGE/shared/models/"

tar -C "$STAGE" -cf - . | xz -T0 -6 > "$OUT/frh-gpu.tar.xz"
rm -rf "$STAGE"
ls -la "$OUT/frh-gpu.tar.xz"
