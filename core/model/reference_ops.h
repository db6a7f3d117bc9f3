#pragma once
// The CPU reference decoder's operations (docs/model.md), one row at a time, in plain loops with
// double sums. Values are fp32 arrays; "fp16" results are rounded to fp16 and stored as fp32, so a
// caller sees exactly the values the CUDA decoder stores.
#include <cstdint>
#include <vector>

namespace q4 {

// double -> fp32 -> fp16 -> fp32: the two roundings the CUDA decoder's fp32 accumulators make.
float roundToHalf(double value);

// out = fp16(x / sqrt(mean(x^2) + eps) * weight), n values.
void rmsNormRow(const float* x, const float* weight, std::int64_t n, double eps, float* out);

// out[i][outOffset + j] = fp16(sum_r a[i][r] w[r][j]) for i < m, j < n: a is [m, k] row-major,
// w is [k, n] row-major and out rows are outStride apart. Each output is summed over r in order,
// whatever m is, so a row gives the same result alone or in a batch.
void linearRows(const float* a, std::int64_t m, const float* w, std::int64_t k, std::int64_t n, float* out,
                std::int64_t outStride, std::int64_t outOffset);

// Rotates one head's vector (headDim values) in place, rotate-half pairs (i, i + headDim / 2)
// by position * invFreq[i]; results rounded to fp16.
void applyRope(float* head, std::int64_t headDim, std::int64_t position, const std::vector<double>& invFreq);

// One query head over length cached positions: out = fp16(softmax(q k^T / sqrt(d)) v), scores and
// sums in double. keys and values hold position t's head at t * stride.
void attendHead(const float* q, const float* keys, const float* values, std::int64_t length, std::int64_t stride,
                std::int64_t headDim, float* out);

// out = fp16(silu(gate) * up), silu(g) = g / (1 + exp(-g)), in double.
void siluMul(const float* gate, const float* up, std::int64_t n, float* out);

// logits[v] = sum_d h[d] head[v][d] (double, stored as fp32) for v < vocab.
void logitsRow(const float* h, const float* head, std::int64_t vocab, std::int64_t hidden, float* logits);

// The index of the largest value, the lowest on ties.
std::int32_t argMax(const float* values, std::int64_t n);

}  // namespace q4
