#pragma once
// The CUDA decoder's own kernels besides the linear layers (docs/model.md gives the forward pass
// they implement). Every launcher only enqueues work on the given stream: no synchronization, no
// allocation, so a decode step made of them can be captured in a CUDA graph. Values the step
// changes from one replay to the next (the tokens, the current length) are read from device
// memory, never passed as launch parameters.
//
// Layouts (row-major throughout):
//   residual x       fp32 [rows, hidden]
//   activations      fp16 [rows, features]; rows are [sequence][position] in prefill
//   KV cache (K, V)  fp16 [batch][kvHeads][maxContext][headDim] for one layer
//   RoPE table       fp32 [maxContext][headDim / 2][2]: (cos, sin) of position * inv_freq[i]
// Limits common to all: hidden a multiple of 8, head dim 64 or 128 (the attention kernels are
// instantiated for those two), heads a multiple of kvHeads, batch and kvHeads at most 65535.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "common/expected.h"

namespace q4 {

// True for the head dims the attention kernels are built for.
bool decoderHeadDimSupported(std::int64_t headDim);

// x [rows, hidden] = embed_tokens[token] as fp32. Row r is position r % positions of sequence
// r / positions, whose token is tokens[(r / positions) * tokenStride + tokenOffset + r % positions]
// (a prompt [batch, promptLength] read a chunk of positions at a time; tokenStride = positions =
// 1 for a decode step). Token ids outside [0, vocab) are clamped (the host validates them).
Status launchEmbedding(const std::int32_t* tokens, std::int64_t rows, std::int64_t positions, std::int64_t tokenStride,
                       std::int64_t tokenOffset, const void* table, std::int64_t vocab, std::int64_t hidden, float* x,
                       cudaStream_t stream);

// out [rows, hidden] fp16 = x / sqrt(mean(x^2) + eps) * weight, in fp32, rounded once. Output row
// i reads input row firstRow + i * rowStep (rowStep = 1, firstRow = 0 for every row; in prefill
// firstRow = positions - 1, rowStep = positions picks each sequence's last position).
Status launchRmsNorm(const float* x, std::int64_t rows, std::int64_t firstRow, std::int64_t rowStep,
                     const void* weight, std::int64_t hidden, float eps, void* out, cudaStream_t stream);

// The residual add and the next RMSNorm in one pass: x [rows, hidden] += fp32(y), then out as
// launchRmsNorm over every row. Saves a launch and a read of x per norm in decode. As a
// programmatic dependent it reads x and the weights before it waits: only y may come from the
// kernel just before it.
Status launchAddRmsNorm(float* x, const void* y, std::int64_t rows, const void* weight, std::int64_t hidden, float eps,
                        void* out, cudaStream_t stream);

// x += fp32(y) over count elements (count a multiple of 4).
Status launchResidualAdd(float* x, const void* y, std::int64_t count, cudaStream_t stream);

// out [rows, width] fp16 = silu(g) * u in fp32, silu(g) = g / (1 + exp(-g)); g and u are read
// with their own row strides (elements), so a fused gate_up output (gate | up) works as well as
// two separate ones. width and both strides even.
Status launchSiluMul(const void* gate, std::int64_t gateStride, const void* up, std::int64_t upStride,
                     std::int64_t rows, std::int64_t width, void* out, cudaStream_t stream);

// RoPE (rotate-half pairs (i, i + d/2)) on q and k, then the KV-cache append: qOut [rows,
// heads * headDim] gets the rotated q; the rotated k and v go to the cache at their positions.
// q, k and v are read with row strides (elements), so a fused qkv output (q | k | v) works as well
// as three separate ones. Row r is position first + r % positions of sequence r / positions, where
// first is *length when length is non-null (decode: one graph serves every step), else start.
// Rows whose position is not below maxContext are skipped.
struct RopeAppendArgs {
    const void* q = nullptr;
    std::int64_t qStride = 0;
    const void* k = nullptr;
    std::int64_t kStride = 0;
    const void* v = nullptr;
    std::int64_t vStride = 0;
    void* qOut = nullptr;
    void* kCache = nullptr;
    void* vCache = nullptr;
    const float* ropeTable = nullptr;
    std::int64_t rows = 0, positions = 1, start = 0;
    const std::int32_t* length = nullptr;
    std::int64_t heads = 0, kvHeads = 0, headDim = 0, maxContext = 0;
};
Status launchRopeAppend(const RopeAppendArgs& args, cudaStream_t stream);

// One layer's KV cache.
struct KvCacheView {
    const void* k = nullptr;
    const void* v = nullptr;
    std::int64_t batch = 0, kvHeads = 0, maxContext = 0, headDim = 0;
};

// Prefill attention, causal and grouped-query: q and out fp16 [batch * positions, heads *
// headDim] (rows [sequence][position]); the queries sit at positions start .. start + positions -
// 1 and attend to cache positions 0 .. their own (the chunk's keys must already be appended).
// softmax(q k^T / sqrt(d)) v with fp32 scores and sums, flash-attention style: tensor cores
// (mma.sync m16n8k16), an online softmax over 64-key tiles double-buffered with cp.async, the
// score matrix never materialised. A block serves 64 (position, head) rows of one KV head, so
// the query heads sharing it share its K/V tiles. Probabilities are rounded to fp16 for the
// second product (as flash attention does). Head dim 64 or 128; any positions, start, GQA ratio.
Status launchPrefillAttention(const void* q, const KvCacheView& cache, std::int64_t heads, std::int64_t positions,
                              std::int64_t start, void* out, cudaStream_t stream);

// Decode attention, split-KV: q and out fp16 [batch, heads * headDim], one query per sequence at
// position *length, attending to cache positions 0 .. *length (its own key already appended, or
// appended by this launch when rope is given). The grid is fixed (splits per (sequence, KV head)
// chosen from the SM count for the largest context), each block takes an equal slice of the cache
// (a multiple of 16 keys) of the current length and blocks past the end exit, so one captured
// graph serves every length. A block serves up to 8 query heads of one KV head (GQA: K and V are
// read once for all of them); its warps stream 16-key tiles through cp.async. The last slice of
// each head block to finish merges the slices by log-sum-exp (one launch, deterministic). Head dim
// 64 or 128; length + 1 <= maxContext.
// splits: decodeAttentionSplits(...); workspace: decodeAttentionWorkspaceFloats(...) floats, zeroed
// once before its first launch (it holds arrival counters that every launch leaves at zero).
int decodeAttentionSplits(std::int64_t batch, std::int64_t heads, std::int64_t kvHeads, std::int64_t maxContext,
                          int multiprocessors);
std::size_t decodeAttentionWorkspaceFloats(std::int64_t batch, std::int64_t heads, std::int64_t headDim, int splits);

// RoPE and the cache append done by the decode attention itself, in place of launchRopeAppend
// before it (one launch less per layer and step, with the same bits): q (the launch's q argument)
// and the step's k and v as the projections wrote them, row s of each at its pointer + s * its
// stride in elements; the RoPE table as launchRopeAppend reads it; kCache and vCache the cache
// view's own pointers, which this launch writes at position *length.
struct DecodeRope {
    std::int64_t qStride = 0;
    const void* k = nullptr;
    std::int64_t kStride = 0;
    const void* v = nullptr;
    std::int64_t vStride = 0;
    const float* table = nullptr;
    void* kCache = nullptr;
    void* vCache = nullptr;
};
Status launchDecodeAttention(const void* q, const KvCacheView& cache, std::int64_t heads, const std::int32_t* length,
                             int splits, float* workspace, void* out, cudaStream_t stream,
                             const DecodeRope* rope = nullptr);

// logits fp32 [rows, vocab] = h fp16 [rows, hidden] x lmHead^T (lmHead fp16 [vocab, hidden]),
// fp32 accumulation, through cublasGemmEx on the handle's stream.
Status launchLmHead(cublasHandle_t handle, const void* h, const void* lmHead, float* logits, std::int64_t rows,
                    std::int64_t vocab, std::int64_t hidden);

// Greedy sampling: tokens[r] = the arg max of logits row r (the lowest index on ties; NaN never
// wins), also written to generated[r * generatedStride + *length + offset] when that index is
// below generatedStride (the generated tokens by position: prefill's first token sits at the
// prompt length, a decode step's at its position + 1).
Status launchArgmax(const float* logits, std::int64_t rows, std::int64_t vocab, std::int32_t* tokens,
                    std::int32_t* generated, std::int64_t generatedStride, const std::int32_t* length, int offset,
                    cudaStream_t stream);

// *length = value; *length += 1 (the end of a decode step).
Status launchSetLength(std::int32_t* length, std::int32_t value, cudaStream_t stream);
Status launchIncrementLength(std::int32_t* length, cudaStream_t stream);

}  // namespace q4
