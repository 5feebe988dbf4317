// Minimal helpers for writing ONNX graphs with onnx-proto: typed initializers, nodes, model bytes.
// Only what the planted model needs; opset 15 (IR 8) is what onnx-proto 8.0.1 describes and onnxruntime reads.
import p from "onnx-proto";

const { onnx } = p;
export type Node = InstanceType<typeof onnx.NodeProto>;
export type Tensor = InstanceType<typeof onnx.TensorProto>;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** A float32 initializer (raw little-endian bytes: compact and exact). */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const f = Float32Array.from(values as ArrayLike<number>);
  if (f.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${f.length} values for dims ${dims}`);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: new Uint8Array(f.buffer) });
}

/** A float16 initializer: same values rounded to half precision (round to nearest even). */
export function float16Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const h = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) h[i] = toHalf(values[i]);
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT16, rawData: new Uint8Array(h.buffer) });
}

export function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const b = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dims, dataType: INT64, rawData: new Uint8Array(b.buffer) });
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number> = {}): Node {
  const attribute = Object.entries(attrs).map(([name, i]) => onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT }));
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute });
}

/** A graph input/output: element type plus dims, where a string is a symbolic dimension. */
export function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  const dim = dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

export interface GraphSpec {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ReturnType<typeof valueInfo>[];
  outputs: ReturnType<typeof valueInfo>[];
  docString?: string;
}

export function modelBytes(g: GraphSpec): Uint8Array {
  const graph = onnx.GraphProto.create({ name: g.name, node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs, docString: g.docString ?? "" });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 15 }],
    producerName: "frh-plant",
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** float32 → IEEE half bits, round to nearest even (enough for the small tables written here). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 0x1f) return sign | 0x7c00; // overflow → inf (tables stay far inside the range)
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && (half & 1)) ? 1 : 0));
  }
  const half = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0));
}
