// RoPE and the KV-cache append, in one pass: q is rotated into its own buffer (attention
// reads it), k is rotated and v copied into the fp16 cache at the row's position. Angles come from
// a table of (cos, sin) per position and pair, computed on the host in double from the model's
// inverse frequencies, so no transcendental runs here. The position of the first row is read from
// the device in decode, so one captured graph serves every step. Any even head dim; positions at
// or beyond maxContext are skipped (the host never asks for them).
#include <cuda_fp16.h>

#include "cuda/cuda_check.h"
#include "decoder/decoder_device.cuh"
#include "decoder/decoder_launch.h"
#include "decoder/decoder_ops.h"

namespace q4 {
namespace {

constexpr int kThreads = 128;

struct RopeParams {
    const __half* q;
    const __half* k;
    const __half* v;
    long long qStride, kStride, vStride;
    __half* qOut;
    __half* kCache;
    __half* vCache;
    const float2* table;  // [maxContext][headDim / 2]
    const int* length;
    long long start;
    int positions, heads, kvHeads, headDim, maxContext;
};

// One thread per item of a row: a q pair, a k pair or a v element; blockIdx.y walks the row's
// items, so a single decode row spreads over tens of blocks instead of one (at batch 1 one block
// per row made this kernel longer than the attention it feeds). Rotate-half: pair i is
// (i, i + d/2); out_i = x_i cos - x_{i+d/2} sin and out_{i+d/2} = x_{i+d/2} cos + x_i sin.
__global__ void __launch_bounds__(kThreads) ropeAppendKernel(RopeParams p) {
    // The position (in decode, the length the previous step set) and its angle are read before
    // the wait: only q, k and v come from the kernel just before (decoder_device.cuh).
    const long long row = blockIdx.x;
    const long long sequence = row / p.positions;
    const long long position = (p.length ? static_cast<long long>(*p.length) : p.start) + row % p.positions;
    if (position < 0 || position >= p.maxContext) return;
    const int half = p.headDim / 2;
    const int qPairs = p.heads * half, kPairs = p.kvHeads * half;
    const int item = blockIdx.y * kThreads + threadIdx.x;
    const bool rotated = item < qPairs + kPairs;
    const int pair = (item < qPairs ? item : item - qPairs) % half;
    const float2 cs = rotated ? p.table[position * half + pair] : make_float2(1.0f, 0.0f);
    dec::waitForPrerequisites();
    const long long headStride = static_cast<long long>(p.maxContext) * p.headDim;
    const long long cacheRow = sequence * p.kvHeads * headStride + position * p.headDim;

    if (item < qPairs) {
        const int at = item / half * p.headDim + pair;
        const __half* q = p.q + row * p.qStride;
        const float2 r = dec::ropeRotate(__half2float(q[at]), __half2float(q[at + half]), cs);
        __half* qOut = p.qOut + row * static_cast<long long>(p.heads) * p.headDim;
        qOut[at] = __float2half_rn(r.x);
        qOut[at + half] = __float2half_rn(r.y);
    } else if (item < qPairs + kPairs) {
        const int head = (item - qPairs) / half, at = head * p.headDim + pair;
        const __half* k = p.k + row * p.kStride;
        const float2 r = dec::ropeRotate(__half2float(k[at]), __half2float(k[at + half]), cs);
        __half* to = p.kCache + cacheRow + head * headStride + pair;
        to[0] = __float2half_rn(r.x);
        to[half] = __float2half_rn(r.y);
    } else if (item - qPairs - kPairs < p.kvHeads * p.headDim) {
        const int value = item - qPairs - kPairs;
        const int head = value / p.headDim, d = value % p.headDim;
        p.vCache[cacheRow + head * headStride + d] = p.v[row * p.vStride + value];
    }
}

}  // namespace

Status launchRopeAppend(const RopeAppendArgs& args, cudaStream_t stream) {
    if (args.headDim <= 0 || args.headDim % 2 != 0)
        return Status::failure("rope: head dim " + std::to_string(args.headDim) + " is not even");
    if (args.rows <= 0) return Status::success();
    RopeParams p{};
    p.q = static_cast<const __half*>(args.q);
    p.k = static_cast<const __half*>(args.k);
    p.v = static_cast<const __half*>(args.v);
    p.qStride = args.qStride;
    p.kStride = args.kStride;
    p.vStride = args.vStride;
    p.qOut = static_cast<__half*>(args.qOut);
    p.kCache = static_cast<__half*>(args.kCache);
    p.vCache = static_cast<__half*>(args.vCache);
    p.table = reinterpret_cast<const float2*>(args.ropeTable);
    p.length = args.length;
    p.start = args.start;
    p.positions = int(args.positions > 0 ? args.positions : 1);
    p.heads = int(args.heads);
    p.kvHeads = int(args.kvHeads);
    p.headDim = int(args.headDim);
    p.maxContext = int(args.maxContext);
    const std::int64_t items = (args.heads + args.kvHeads) * (args.headDim / 2) + args.kvHeads * args.headDim;
    const std::int64_t blocksPerRow = (items + kThreads - 1) / kThreads;
    if (blocksPerRow > 65535)
        return Status::failure("rope: " + std::to_string(items) + " items per row exceed the grid");
    Q4_CUDA(launchDecoderKernel(ropeAppendKernel, dim3(unsigned(args.rows), unsigned(blocksPerRow)), dim3(kThreads), 0,
                                stream, p));
    return launchStatus("rope + cache append kernel");
}

}  // namespace q4
