#!/usr/bin/env python3
"""Writes tiny Llama-style GPTQ checkpoints for the checkpoint reader's tests.

Standard library only, and written independently of the C++ reader (no shared code or tables), so
the two check each other: the tests read what this script writes and compare the dequantized
weights with the ones this script computes from its own integers.

The model: hidden 256, 2 decoder layers, 4 attention heads, 2 key/value heads (grouped-query
attention), head_dim 64, intermediate 512, vocab 320. Every linear layer of the decoder is GPTQ
quantized (AutoGPTQ / GPTQModel layout, k = input features, n = output features):
    qweight int32 [k/8, n]   8 nibbles along k, lowest nibble = lowest row
    qzeros  int32 [G, n/8]   8 nibbles along n, lowest nibble = lowest column
    scales  fp16  [G, n]
    g_idx   int32 [k]        group of each input row (absent with --no-g-idx)
    bias    fp16  [n]        with --bias
G = k / group (one group when group is -1). The "gptq" (v1) format stores each zero point minus
one, wrapped to 4 bits, so a true zero of 0 is stored as 15; "gptq_v2" stores it as it is.
embed_tokens, the norms and lm_head are plain fp16 tensors (stored as F16, BF16 or F32 with
--plain-dtype); with them a checkpoint is a whole model a decoder can run.

--fused writes qkv_proj and gate_up_proj layers of their own random values; --fused-from-separate
writes the same weights as the command without it, with q | k | v and gate | up joined along n.

--dense-out FILE writes every quantized layer's exact weights W[r][c] = scale[g][c] * (q[r][c] -
zero[g][c]), g = g_idx[r], in this little-endian format:
    8 bytes   b"Q4DENSE1"
    u32       number of layers
    per layer: u32 name length, the name in UTF-8, u64 k, u64 n, then k * n float32, row-major [k][n]
The products are exact in float32 (an fp16 scale times an integer in [-15, 15]).

--malformed DIR writes one broken checkpoint per subdirectory, each with expect.txt holding a part
of the error the reader must give. --fuzz-seeds DIR writes small seed inputs for the fuzz targets
into DIR/safetensors_header and DIR/model_config.
"""

import argparse
import json
import os
import random
import struct
import sys

HIDDEN = 256
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = HIDDEN // HEADS
INTERMEDIATE = 512
VOCAB = 320

# --size llama2-13b: the shapes of Llama-2-13B's decoder layers (its config.json), for GPU runs on
# layers of real size. Its nibbles are random bytes, so --dense-out is not offered for it.
SIZES = {
    "tiny": dict(HIDDEN=256, HEADS=4, KV_HEADS=2, INTERMEDIATE=512, VOCAB=320),
    "llama2-13b": dict(HIDDEN=5120, HEADS=40, KV_HEADS=40, INTERMEDIATE=13824, VOCAB=32000),
}


def use_size(name, layers):
    global HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, INTERMEDIATE, VOCAB
    size = SIZES[name]
    HIDDEN, HEADS, KV_HEADS = size["HIDDEN"], size["HEADS"], size["KV_HEADS"]
    INTERMEDIATE, VOCAB, LAYERS = size["INTERMEDIATE"], size["VOCAB"], layers
    HEAD_DIM = HIDDEN // HEADS


# --- plain helpers -----------------------------------------------------------------------------

def fp16(value):
    """The nearest fp16 value, as a Python float (exactly representable by construction)."""
    return struct.unpack("<e", struct.pack("<e", value))[0]


def fp16_bytes(values):
    return struct.pack("<%de" % len(values), *values)


def int32_bytes(words):
    # Words are built unsigned; the file holds the same 32 bits either way.
    return struct.pack("<%dI" % len(words), *words)


def header_of(tensors):
    """The JSON header and the data section for tensors: a list of (name, dtype, shape, data bytes),
    stored in that order."""
    header, offset = {}, 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    return header, b"".join(t[3] for t in tensors)


def safetensors_bytes(tensors, metadata=None):
    header, data = header_of(tensors)
    if metadata is not None:
        header["__metadata__"] = metadata
    return raw_safetensors(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode(), data)


def raw_safetensors(header_bytes, data):
    # The reference writer pads the header with spaces so the data starts 8-byte aligned.
    header_bytes += b" " * (-len(header_bytes) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def write_file(path, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)


def write_json(path, value):
    write_file(path, json.dumps(value, indent=2) + "\n")


# --- the quantized layers ----------------------------------------------------------------------

LOW_NIBBLE = bytes(b & 15 for b in range(256))
HIGH_NIBBLE = bytes((b & 15) << 4 for b in range(256))


def pack_nibbles(q, k, n):
    """qweight's bytes for q (row-major [k][n] values 0..15): the int32 at [r // 8][c] holds rows
    8 (r // 8) .. + 7 of column c, lowest row in the lowest nibble. Byte j of each little-endian
    word pairs rows 2j (low nibble) and 2j + 1; the big-integer OR keeps it at C speed."""
    out = bytearray(k * n // 2)
    for block in range(k // 8):
        rows = [q[(8 * block + i) * n:(8 * block + i + 1) * n] for i in range(8)]
        words = out[block * 4 * n:(block + 1) * 4 * n]
        for j in range(4):
            low = int.from_bytes(rows[2 * j], "little")
            high = int.from_bytes(rows[2 * j + 1].translate(HIGH_NIBBLE), "little")
            words[j::4] = (low | high).to_bytes(n, "little")
        out[block * 4 * n:(block + 1) * 4 * n] = words
    return bytes(out)


class QuantLayer:
    """One GPTQ linear layer: its integers, and the tensors a checkpoint stores for it."""

    def __init__(self, rng, name, k, n, opts):
        self.name, self.k, self.n = name, k, n
        rows_per_group = k if opts.group == -1 else opts.group
        groups = k // rows_per_group

        # q[r * n + c] in 0..15; layers of real size keep only the packed random bytes.
        self.q = rng.randbytes(k * n).translate(LOW_NIBBLE) if getattr(opts, "size", "tiny") == "tiny" else None

        if opts.sym:
            self.zeros = [[8] * n for _ in range(groups)]
        else:
            self.zeros = [[rng.randrange(16) for _ in range(n)] for _ in range(groups)]
            self.zeros[0][0] = 0  # stored as 15 in v1: the wrapped zero
            self.zeros[groups - 1][n - 1] = 15
        if opts.format == "v1":
            stored = [[(z - 1) & 15 for z in row] for row in self.zeros]
        else:
            stored = [row[:] for row in self.zeros]

        self.scales = [[fp16(rng.uniform(0.002, 0.03)) for _ in range(n)] for _ in range(groups)]
        self.scales[0][1] = 2.0 ** -20  # an fp16 subnormal

        if opts.act_order:
            order = list(range(k))
            rng.shuffle(order)
            self.g_idx = [0] * k
            for position, row in enumerate(order):
                self.g_idx[row] = position // rows_per_group
        else:
            self.g_idx = [r // rows_per_group for r in range(k)]

        qweight_bytes = pack_nibbles(self.q, k, n) if self.q else random_bytes(rng, k * n // 2)
        qzeros = []
        for row in stored:
            qzeros.extend(sum(row[8 * w + i] << (4 * i) for i in range(8)) for w in range(n // 8))

        self.tensors = [
            (name + ".qweight", "I32", [k // 8, n], qweight_bytes),
            (name + ".qzeros", "I32", [groups, n // 8], int32_bytes(qzeros)),
            (name + ".scales", "F16", [groups, n], fp16_bytes([s for row in self.scales for s in row])),
        ]
        if not opts.no_g_idx:
            self.tensors.append((name + ".g_idx", "I32", [k], int32_bytes(self.g_idx)))
        if opts.bias:
            bias = [fp16(rng.uniform(-1.0, 1.0)) for _ in range(n)]
            self.tensors.append((name + ".bias", "F16", [n], fp16_bytes(bias)))

    def dense_bytes(self):
        n = self.n
        out = []
        for r in range(self.k):
            g = self.g_idx[r]
            row = self.q[r * n:(r + 1) * n]
            out.append(struct.pack("<%df" % n, *[s * (v - z) for s, v, z in zip(self.scales[g], row, self.zeros[g])]))
        return b"".join(out)


class FusedLayer(QuantLayer):
    """Layers of the same k side by side along n (q | k | v, gate | up): the fused layer a model
    with those separate projections has. Their g_idx must agree."""

    def __init__(self, name, parts):
        first = parts[0]
        if any(p.g_idx != first.g_idx for p in parts):
            raise ValueError("%s: the parts' g_idx differ, so they cannot share one" % name)
        self.name, self.k, self.n, self.g_idx = name, first.k, sum(p.n for p in parts), first.g_idx
        self.q = None
        if first.q:
            self.q = b"".join(p.q[r * p.n:(r + 1) * p.n] for r in range(self.k) for p in parts)
        self.zeros = [sum((p.zeros[g] for p in parts), []) for g in range(len(first.zeros))]
        self.scales = [sum((p.scales[g] for p in parts), []) for g in range(len(first.scales))]
        self.tensors = []
        for index, (tensor_name, dtype, shape, data) in enumerate(first.tensors):
            suffix = tensor_name[len(first.name):]
            datas = [p.tensors[index][3] for p in parts]
            if suffix == ".g_idx":
                self.tensors.append((name + suffix, dtype, shape, data))
                continue
            # [rows, columns] (or [n] for a bias): join each row's bytes along the columns.
            rows = shape[0] if len(shape) == 2 else 1
            widths = [len(d) // rows for d in datas]
            joined = b"".join(d[r * w:(r + 1) * w] for r in range(rows) for d, w in zip(datas, widths))
            columns = sum(p.tensors[index][2][-1] for p in parts)
            self.tensors.append((name + suffix, dtype, shape[:-1] + [columns], joined))


def fuse_layers(layers, prefix):
    """One decoder layer's separate projections (linear_shapes(False) order) as qkv_proj, o_proj,
    gate_up_proj and down_proj."""
    q, k, v, o, gate, up, down = layers
    return [FusedLayer(prefix + "self_attn.qkv_proj", [q, k, v]), o,
            FusedLayer(prefix + "mlp.gate_up_proj", [gate, up]), down]


def linear_shapes(fused):
    """(suffix, k, n) of one decoder layer's linear layers."""
    q, kv = HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM
    if fused:
        return [("self_attn.qkv_proj", HIDDEN, q + 2 * kv), ("self_attn.o_proj", q, HIDDEN),
                ("mlp.gate_up_proj", HIDDEN, 2 * INTERMEDIATE), ("mlp.down_proj", INTERMEDIATE, HIDDEN)]
    return [("self_attn.q_proj", HIDDEN, q), ("self_attn.k_proj", HIDDEN, kv), ("self_attn.v_proj", HIDDEN, kv),
            ("self_attn.o_proj", q, HIDDEN), ("mlp.gate_proj", HIDDEN, INTERMEDIATE),
            ("mlp.up_proj", HIDDEN, INTERMEDIATE), ("mlp.down_proj", INTERMEDIATE, HIDDEN)]


def random_bytes(rng, count):
    """rng.randbytes in pieces: one call is limited to 2^31 bits."""
    piece = 1 << 26
    return b"".join(rng.randbytes(min(piece, count - start)) for start in range(0, count, piece))


def plain_fp16(rng, count):
    if count > 1 << 20:
        # Large tensors: random bits with every byte's top bits forced, so each value is a finite
        # fp16 between 2^-7 and 2^-4 in magnitude, at C speed.
        table = bytes(0x20 | (b & 0x8F) for b in range(256))
        return random_bytes(rng, 2 * count).translate(table)
    table = [fp16_bytes([v]) for v in (-0.5, -0.25, -0.125, -0.0625, 0.0625, 0.125, 0.25, 0.5)]
    # Value table[b & 7] for each random byte b, its two bytes interleaved at C speed.
    choices = rng.randbytes(count)
    out = bytearray(2 * count)
    for i in range(2):
        out[i::2] = choices.translate(bytes(table[b & 7][i] for b in range(256)))
    return bytes(out)


def plain_tensor(name, shape, fp16_data, dtype):
    """A plain tensor written as F16 bytes, stored as dtype: F32 exactly, BF16 rounded to nearest even."""
    if dtype == "F16":
        return (name, dtype, shape, fp16_data)
    values = struct.unpack("<%de" % (len(fp16_data) // 2), fp16_data)
    if dtype == "F32":
        return (name, dtype, shape, struct.pack("<%df" % len(values), *values))
    words = struct.unpack("<%dI" % len(values), struct.pack("<%df" % len(values), *values))
    halves = [(w + 0x7FFF + ((w >> 16) & 1)) >> 16 for w in words]
    return (name, dtype, shape, struct.pack("<%dH" % len(halves), *halves))


# --- configs -----------------------------------------------------------------------------------

def architecture_config():
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "vocab_size": VOCAB,
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-05,
        "rope_theta": 500000.0,
        "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "tie_word_embeddings": False,
        "hidden_act": "silu",
        "torch_dtype": "float16",
        "bos_token_id": 1,
        "eos_token_id": 2,
    }


def quantization_config(group, sym, desc_act, fmt, format_key="checkpoint_format"):
    return {"bits": 4, "group_size": group, "desc_act": desc_act, "sym": sym,
            format_key: "gptq" if fmt == "v1" else "gptq_v2", "quant_method": "gptq",
            "damp_percent": 0.01, "true_sequential": True, "static_groups": False}


# --- a whole checkpoint ------------------------------------------------------------------------

def write_checkpoint(opts):
    rng = random.Random(opts.seed)
    os.makedirs(opts.out, exist_ok=True)

    layers = []
    dtype = opts.plain_dtype
    tensors = [plain_tensor("model.embed_tokens.weight", [VOCAB, HIDDEN], plain_fp16(rng, VOCAB * HIDDEN), dtype)]
    for index in range(LAYERS):
        prefix = "model.layers.%d." % index
        block = [QuantLayer(rng, prefix + suffix, k, n, opts)
                 for suffix, k, n in linear_shapes(opts.fused and not opts.fused_from_separate)]
        if opts.fused_from_separate:
            block = fuse_layers(block, prefix)
        for layer in block:
            layers.append(layer)
            tensors.extend(layer.tensors)
        for norm in ("input_layernorm.weight", "post_attention_layernorm.weight"):
            tensors.append(plain_tensor(prefix + norm, [HIDDEN], fp16_bytes([1.0] * HIDDEN), dtype))
    tensors.append(plain_tensor("model.norm.weight", [HIDDEN], fp16_bytes([1.0] * HIDDEN), dtype))
    tensors.append(plain_tensor("lm_head.weight", [VOCAB, HIDDEN], plain_fp16(rng, VOCAB * HIDDEN), dtype))

    config = architecture_config()
    quant = quantization_config(opts.group, opts.sym, opts.act_order, opts.format,
                                "format" if opts.quant_file == "quantization_config" else "checkpoint_format")
    if opts.quant_file == "config":
        config["quantization_config"] = quant
    else:
        write_json(os.path.join(opts.out, opts.quant_file + ".json"), quant)
    write_json(os.path.join(opts.out, "config.json"), config)

    if opts.shards <= 1:
        write_file(os.path.join(opts.out, "model.safetensors"), safetensors_bytes(tensors, {"format": "pt"}))
    else:
        # Round robin, so one layer's tensors lie in different shards.
        names = ["model-%05d-of-%05d.safetensors" % (i + 1, opts.shards) for i in range(opts.shards)]
        weight_map = {}
        for i, name in enumerate(names):
            part = tensors[i::opts.shards]
            write_file(os.path.join(opts.out, name), safetensors_bytes(part, {"format": "pt"}))
            weight_map.update((t[0], name) for t in part)
        total = sum(len(t[3]) for t in tensors)
        write_json(os.path.join(opts.out, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})

    if opts.dense_out:
        with open(opts.dense_out, "wb") as f:
            f.write(b"Q4DENSE1" + struct.pack("<I", len(layers)))
            for layer in layers:
                name = layer.name.encode()
                f.write(struct.pack("<I", len(name)) + name + struct.pack("<QQ", layer.k, layer.n))
                f.write(layer.dense_bytes())


# --- malformed checkpoints ---------------------------------------------------------------------

Q_PROJ = "model.layers.0.self_attn.q_proj"


def small_layer_tensors(seed=1, name=Q_PROJ, k=HIDDEN, n=HEADS * HEAD_DIM, group=128):
    opts = argparse.Namespace(group=group, sym=False, format="v1", act_order=False, no_g_idx=False, bias=False)
    return QuantLayer(random.Random(seed), name, k, n, opts).tensors


def with_header(edit):
    """A model.safetensors whose JSON header `edit` changes before it is written."""
    header, data = header_of(small_layer_tensors())
    edit(header)
    return raw_safetensors(json.dumps(header).encode(), data)


def malformed_cases():
    """name -> (files to write over the base checkpoint, expected error text). A value of None
    removes the file."""
    q = Q_PROJ
    good = safetensors_bytes(small_layer_tensors())
    config = architecture_config()
    quant = quantization_config(128, False, False, "v1")

    def config_with(**changes):
        c = dict(config, quantization_config=dict(quant))
        for key, value in changes.items():
            if key.startswith("q_"):
                c["quantization_config"][key[2:]] = value
            else:
                c[key] = value
        return json.dumps(c)

    def set_field(tensor, field, value):
        def edit(header):
            header[tensor][field] = value
        return edit

    def remove(tensor):
        return lambda header: header.pop(tensor)

    def overlap(header):
        # g_idx takes the scales' bytes: same size, inside the data, but shared.
        header[q + ".g_idx"]["data_offsets"] = list(header[q + ".scales"]["data_offsets"][:1]) + [
            header[q + ".scales"]["data_offsets"][0] + 4 * HIDDEN]

    def bad_g_idx():
        tensors = small_layer_tensors()
        tensors = [(t[0], t[1], t[2], int32_bytes([5] + [0] * (HIDDEN - 1))) if t[0].endswith(".g_idx") else t
                   for t in tensors]
        return safetensors_bytes(tensors)

    def deep_header():
        text = b'{"x":' + b"[" * 100 + b"]" * 100 + b"}"
        return raw_safetensors(text, b"")

    def duplicate_header():
        header, data = header_of(small_layer_tensors())
        text = json.dumps(header)
        entry = json.dumps(header[q + ".g_idx"])
        text = text[:-1] + ', "%s": %s}' % (q + ".g_idx", entry)
        return raw_safetensors(text.encode(), data)

    def non_utf8_header():
        header, data = header_of(small_layer_tensors())
        text = json.dumps(header).encode().replace(b".g_idx", b".g_\xffidx", 1)
        return raw_safetensors(text, data)

    def index_with(weight_map):
        return json.dumps({"metadata": {}, "weight_map": weight_map})

    st = "model.safetensors"
    index = "model.safetensors.index.json"
    cases = {
        "truncated-data": ({st: good[:-100]}, "run past the end of the data"),
        "truncated-length": ({st: good[:5]}, "5 bytes is too short for a safetensors file"),
        "empty-file": ({st: b""}, "0 bytes is too short for a safetensors file"),
        "header-length-2-62": ({st: struct.pack("<Q", 2 ** 62) + good[8:]}, "is above the limit of 100000000 bytes"),
        "header-length-beyond-file": ({st: struct.pack("<Q", len(good)) + good[8:]}, "runs past the end of the file"),
        "offsets-out-of-bounds": ({st: with_header(set_field(q + ".scales", "data_offsets", [10**6, 10**6 + 1024]))},
                                  "run past the end of the data"),
        "offsets-reversed": ({st: with_header(set_field(q + ".scales", "data_offsets", [64, 0]))},
                             "end before they begin"),
        "overlapping-offsets": ({st: with_header(overlap)}, "overlap"),
        "size-mismatch": ({st: with_header(set_field(q + ".qweight", "shape", [4, 8]))},
                          "bytes, but I32 [4, 8] needs 128"),
        "wrong-dtype": ({st: with_header(set_field(q + ".qweight", "dtype", "F32"))}, "dtype F32, expected I32"),
        "wrong-shape": ({st: with_header(set_field(q + ".scales", "shape", [1, 512]))},
                        "shape [1, 512], expected [G, n] = [2, 256]"),
        "unknown-dtype-i8": ({st: with_header(lambda h: h[q + ".g_idx"].update(dtype="I8", shape=[4 * HIDDEN]))},
                             "dtype 'I8' is not supported"),
        "unknown-dtype-f64": ({st: with_header(lambda h: h[q + ".g_idx"].update(dtype="F64", shape=[HIDDEN // 2]))},
                              "dtype 'F64' is not supported"),
        "negative-shape": ({st: with_header(set_field(q + ".g_idx", "shape", [-256]))}, "non-negative integers"),
        "empty-tensor-name": ({st: with_header(lambda h: h.update({"": h.pop(q + ".g_idx")}))},
                              "a tensor has an empty name"),
        "missing-scales": ({st: with_header(remove(q + ".scales"))}, "missing tensor '%s.scales'" % q),
        "bad-json-header": ({st: raw_safetensors(b'{"a": [1, 2,', b"")}, "not valid JSON"),
        "non-utf8-header": ({st: non_utf8_header()}, "not valid UTF-8"),
        "deep-header": ({st: deep_header()}, "nested deeper than"),
        "duplicate-tensor": ({st: duplicate_header()}, "'%s.g_idx' is listed twice" % q),
        "g-idx-out-of-range": ({st: bad_g_idx()}, "is in group 5, outside [0, 2)"),
        "config-mismatch": ({st: safetensors_bytes(small_layer_tensors(n=128))},
                            "n=128, but"),
        "layer-index": ({st: safetensors_bytes(small_layer_tensors(name="model.layers.7.self_attn.q_proj"))},
                        "layer index 7"),
        "bad-config": ({"config.json": config_with(hidden_size="256")}, "'hidden_size' must be an integer"),
        "bad-config-json": ({"config.json": '{"hidden_size": 256,'}, "invalid JSON"),
        "kv-heads": ({"config.json": config_with(num_key_value_heads=3)},
                     "num_attention_heads=4 is not a multiple of num_key_value_heads=3"),
        "missing-config": ({"config.json": None}, "a checkpoint needs config.json"),
        "no-quantization-config": ({"config.json": json.dumps(config)}, "quantize_config.json"),
        "bits-3": ({"config.json": config_with(q_bits=3)}, "bits=3: only 4-bit checkpoints are supported"),
        "awq-format": ({"config.json": config_with(q_checkpoint_format="awq")},
                       "checkpoint_format 'awq' is a kernel layout Q4Bench does not read; convert to gptq"),
        "marlin-format": ({"config.json": config_with(q_checkpoint_format="marlin")},
                          "checkpoint_format 'marlin' is a kernel layout"),
        "quant-method-awq": ({"config.json": config_with(q_quant_method="awq")}, "quant_method 'awq' is not gptq"),
        "group-not-dividing-k": ({"config.json": config_with(q_group_size=96)},
                                 "k=256 is not a multiple of group_size 96"),
        "group-size-invalid": ({"config.json": config_with(q_group_size=100)}, "group size 100 is not a multiple of 8"),
        "shard-dotdot": ({st: None, index: index_with({q + ".qweight": "../model.safetensors"})},
                         "is not a plain file name"),
        "shard-slash": ({st: None, index: index_with({q + ".qweight": "sub/model.safetensors"})},
                        "is not a plain file name"),
        "shard-missing-tensor": ({index: index_with({q + ".qweight": st, q + ".absent": st})},
                                 "which has no such tensor"),
        "shard-missing-file": ({index: index_with({q + ".qweight": "gone.safetensors"})},
                               "gone.safetensors"),
        "no-weights": ({st: None}, "no weights"),
        "no-quantized-layers": ({st: safetensors_bytes([("lm_head.weight", "F16", [8], fp16_bytes([0.5] * 8))])},
                                "no quantized layers"),
    }
    return cases


def write_malformed(root):
    base_config = dict(architecture_config(), quantization_config=quantization_config(128, False, False, "v1"))
    base_weights = safetensors_bytes(small_layer_tensors())
    for name, (files, expect) in malformed_cases().items():
        directory = os.path.join(root, name)
        os.makedirs(directory, exist_ok=True)
        contents = {"config.json": json.dumps(base_config, indent=2), "model.safetensors": base_weights}
        contents.update(files)
        for file_name, content in contents.items():
            path = os.path.join(directory, file_name)
            if content is None:
                if os.path.exists(path):
                    os.remove(path)
            else:
                write_file(path, content)
        write_file(os.path.join(directory, "expect.txt"), expect + "\n")


# --- fuzz seeds --------------------------------------------------------------------------------

def write_fuzz_seeds(root):
    headers = os.path.join(root, "safetensors_header")
    configs = os.path.join(root, "model_config")
    os.makedirs(headers, exist_ok=True)
    os.makedirs(configs, exist_ok=True)

    small = small_layer_tensors(name="model.layers.0.mlp.down_proj", k=16, n=8, group=8)
    write_file(os.path.join(headers, "gptq-layer.safetensors"), safetensors_bytes(small, {"format": "pt"}))
    plain = [("model.norm.weight", "F16", [8], fp16_bytes([1.0] * 8)),
             ("model.embed_tokens.weight", "BF16", [2, 4], bytes(16)),
             ("lm_head.weight", "F32", [2, 2], struct.pack("<4f", 0.5, -0.5, 1.0, 0.0)),
             ("empty", "F32", [0, 3], b"")]
    write_file(os.path.join(headers, "plain-dtypes.safetensors"),
               safetensors_bytes(plain, {"format": "pt", "note": "é"}))
    write_file(os.path.join(headers, "empty-header.safetensors"), raw_safetensors(b"{}", b""))

    config = architecture_config()
    write_json(os.path.join(configs, "llama3-config.json"),
               dict(config, quantization_config=quantization_config(128, True, True, "v1")))
    mistral = {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 4096,
               "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
               "num_key_value_heads": 8, "head_dim": None, "vocab_size": 32768, "max_position_embeddings": 32768,
               "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "rope_scaling": None, "tie_word_embeddings": False}
    write_json(os.path.join(configs, "mistral-config.json"), mistral)
    write_json(os.path.join(configs, "quantize_config.json"), quantization_config(-1, False, False, "v2"))
    write_json(os.path.join(configs, "quantization_config.json"),
               quantization_config(32, True, True, "v1", format_key="format"))


# --- command line ------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="checkpoint directory to write")
    parser.add_argument("--shards", type=int, default=1, help="1: model.safetensors; more: an index and shards")
    parser.add_argument("--format", choices=["v1", "v2"], default="v1", help="gptq (v1) or gptq_v2 zero points")
    parser.add_argument("--sym", dest="sym", action="store_true", default=True, help="symmetric (zero 8; default)")
    parser.add_argument("--asym", dest="sym", action="store_false", help="asymmetric: random zero points")
    parser.add_argument("--group", type=int, choices=[32, 128, -1], default=128, help="rows per group, -1 for one")
    parser.add_argument("--act-order", action="store_true", help="g_idx from a random row permutation")
    parser.add_argument("--no-g-idx", action="store_true", help="store no g_idx tensors")
    parser.add_argument("--bias", action="store_true", help="give every linear layer a bias")
    parser.add_argument("--fused", action="store_true", help="qkv_proj and gate_up_proj instead of separate layers")
    parser.add_argument("--fused-from-separate", action="store_true",
                        help="qkv_proj and gate_up_proj made of the separate layers the same seed writes without "
                             "--fused: the same model, fused (not with --act-order)")
    parser.add_argument("--plain-dtype", choices=["F16", "BF16", "F32"], default="F16",
                        help="dtype of embed_tokens, the norms and lm_head (default F16; tiny values are exact in all)")
    parser.add_argument("--quant-file", choices=["config", "quantize_config", "quantization_config"],
                        default="config", help="where the quantization settings go")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny", help="layer shapes (default tiny)")
    parser.add_argument("--layers", type=int, default=2, help="decoder layers (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dense-out", help="file for the exact dequantized weights (format: see the top of this script)")
    parser.add_argument("--malformed", metavar="DIR", help="write the malformed corpus instead")
    parser.add_argument("--fuzz-seeds", metavar="DIR", help="write fuzz seed inputs instead")
    opts = parser.parse_args()

    if opts.malformed:
        write_malformed(opts.malformed)
    elif opts.fuzz_seeds:
        write_fuzz_seeds(opts.fuzz_seeds)
    elif opts.out:
        if opts.fused_from_separate and opts.act_order:
            parser.error("--fused-from-separate needs one g_idx for q, k and v: drop --act-order")
        if opts.act_order and opts.no_g_idx:
            parser.error("--act-order needs g_idx; drop --no-g-idx")
        if opts.size != "tiny" and (opts.dense_out or not opts.sym):
            parser.error("--size %s writes random packed bytes: no --dense-out or --asym" % opts.size)
        if opts.layers < 1:
            parser.error("--layers must be at least 1")
        use_size(opts.size, opts.layers)
        write_checkpoint(opts)
    else:
        parser.error("give --out, --malformed or --fuzz-seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
