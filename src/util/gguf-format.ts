// GGUF format constants (ggml/docs/gguf.md), shared by the planted-model writer/reader (src/plant/gguf.ts) and
// the header check run before llama.cpp opens a file (src/backends/llamaCpp/header.ts).

export const GGUF_MAGIC = "GGUF";

export enum GgufType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9,
  UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

/** Bytes of each fixed-size metadata value type (strings and arrays are length-prefixed). */
export const SCALAR_SIZE: Partial<Record<GgufType, number>> = {
  [GgufType.UINT8]: 1, [GgufType.INT8]: 1, [GgufType.BOOL]: 1, [GgufType.UINT16]: 2, [GgufType.INT16]: 2,
  [GgufType.UINT32]: 4, [GgufType.INT32]: 4, [GgufType.FLOAT32]: 4, [GgufType.UINT64]: 8, [GgufType.INT64]: 8, [GgufType.FLOAT64]: 8,
};

/**
 * ggml tensor types → [elements per block, bytes per block], as llama.cpp's ggml type traits (the build in
 * node-llama-cpp 3.21.1; test/integration/backends/internals.test.ts compares every entry with the addon's own
 * getBlockSizeForGgmlType/getTypeSizeForGgmlType). Removed types (4, 5, 31–33, 36–38) are absent.
 */
export const GGML_TYPE_SIZE: ReadonlyMap<number, readonly [number, number]> = new Map([
  [0, [1, 4]], [1, [1, 2]], [2, [32, 18]], [3, [32, 20]], [6, [32, 22]], [7, [32, 24]], [8, [32, 34]], [9, [32, 36]],
  [10, [256, 84]], [11, [256, 110]], [12, [256, 144]], [13, [256, 176]], [14, [256, 210]], [15, [256, 292]],
  [16, [256, 66]], [17, [256, 74]], [18, [256, 98]], [19, [256, 50]], [20, [32, 18]], [21, [256, 110]], [22, [256, 82]],
  [23, [256, 136]], [24, [1, 1]], [25, [1, 2]], [26, [1, 4]], [27, [1, 8]], [28, [1, 8]], [29, [256, 56]], [30, [1, 2]],
  [34, [256, 54]], [35, [256, 66]], [39, [32, 17]], [40, [64, 36]], [41, [128, 18]], [42, [64, 18]],
] as const);
