// Host side of the wgmma_int4 kernel: plan, workspace, launch. Compiled for sm_90a only.
#include "wgmma_int4/wgmma_int4.h"

#include <cudaTypedefs.h>

#include <algorithm>

#include "cuda/cuda_check.h"
#include "cuda/kernel_launch.h"
#include "cuda/split_k.h"
#include "wgmma_int4/wgmma_int4_kernel.cuh"

namespace q4 {

WgmmaInt4Plan planWgmmaInt4(std::int64_t m, std::int64_t n, std::int64_t k, int multiprocessors) {
    WgmmaInt4Plan plan;
    plan.rowsPerTile = m <= 16 ? 16 : m <= 32 ? 32 : m <= 64 ? 64 : m <= 128 ? 128 : 256;
    plan.rowTiles = int((m + plan.rowsPerTile - 1) / plan.rowsPerTile);
    plan.nBlocks = int((n + hopper::featuresPerBlock(plan.rowsPerTile) - 1) / hopper::featuresPerBlock(plan.rowsPerTile));
    const std::int64_t tiles = std::int64_t(plan.rowTiles) * plan.nBlocks;
    const std::int64_t slots = std::max(1, multiprocessors);  // one block per SM
    // Split k only while the tiles alone leave SMs idle: across several waves a split would even
    // out only the last one, and its partials would cost workspace (176 MB at m = 2576, n = k = 8192).
    const SplitK split = tiles >= slots ? SplitK{1, int(k)} : waveFillingSplit(k, tiles, slots, 1, 32);
    plan.slices = split.slices;
    plan.sliceK = split.sliceK;
    return plan;
}

bool wgmmaInt4Runs(int computeCapability) { return computeCapability == 90; }

namespace {

std::size_t partialBytes(const WgmmaInt4Plan& plan) {
    if (plan.slices == 1) return 0;
    return std::size_t(plan.slices) * plan.rowTiles * plan.rowsPerTile * plan.nBlocks *
           hopper::featuresPerBlock(plan.rowsPerTile) * sizeof(float);
}

PFN_cuTensorMapEncodeTiled_v12000 tensorMapEncoder() {
    static PFN_cuTensorMapEncodeTiled_v12000 encode = [] {
        void* fn = nullptr;
        cudaDriverEntryPointQueryResult found{};
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &found) !=
                cudaSuccess ||
            found != cudaDriverEntryPointSuccess)
            fn = nullptr;
        return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
    }();
    return encode;
}

// A 3-D tensor map, encoded through the driver entry point so the program needs no link to the
// driver library. strides: bytes between steps of dimensions 1 and 2.
Status encodeTensorMap(CUtensorMap& map, const char* what, CUtensorMapDataType type, const void* base,
                       const cuuint64_t (&dims)[3], const cuuint64_t (&strides)[2], const cuuint32_t (&box)[3],
                       CUtensorMapSwizzle swizzle) {
    const auto encode = tensorMapEncoder();
    if (!encode) return Status::failure("wgmma_int4: the driver has no cuTensorMapEncodeTiled");
    const cuuint32_t elementStrides[3] = {1, 1, 1};
    const CUresult r = encode(&map, type, 3, const_cast<void*>(base), dims, strides, box, elementStrides,
                              CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS)
        return Status::failure(std::string("wgmma_int4: ") + what + " tensor map failed (CUresult " +
                               std::to_string(int(r)) + ")");
    return Status::success();
}

// The activations [m][k] seen as [k / 64][m][64 k], so that one box brings a stage's k64 steps,
// each an [N rows][64 k] tile in the 128-byte swizzle that wgmma reads; rows past m (and steps
// past k) read as zeros.
Status encodeActivations(CUtensorMap& map, const void* a, std::int64_t m, std::int64_t k, int rows, int steps) {
    const cuuint64_t dims[3] = {64, cuuint64_t(m), cuuint64_t(k / 64)};
    const cuuint64_t strides[2] = {cuuint64_t(k) * 2, 128};
    const cuuint32_t box[3] = {64, cuuint32_t(rows), cuuint32_t(steps)};
    return encodeTensorMap(map, "activation", CU_TENSOR_MAP_DATA_TYPE_FLOAT16, a, dims, strides, box,
                           CU_TENSOR_MAP_SWIZZLE_128B);
}

// Per (k64 step, n tile) words [k / 64][n / 16][perTile]: one box brings a stage's steps of the
// block's n tiles (tiles past n read as zeros). The fragment-layout words (128 a tile), or the
// sparse layout's words (64) and metadata registers (32).
Status encodeTileWords(CUtensorMap& map, const char* what, const void* words, std::int64_t n, std::int64_t k,
                       int perTile, int tiles, int steps) {
    const cuuint64_t dims[3] = {cuuint64_t(perTile), cuuint64_t(n / 16), cuuint64_t(k / 64)};
    const cuuint64_t strides[2] = {cuuint64_t(perTile) * 4, cuuint64_t(n / 16) * perTile * 4};
    const cuuint32_t box[3] = {cuuint32_t(perTile), cuuint32_t(tiles), cuuint32_t(steps)};
    return encodeTensorMap(map, what, CU_TENSOR_MAP_DATA_TYPE_UINT32, words, dims, strides, box,
                           CU_TENSOR_MAP_SWIZZLE_NONE);
}

// metadata: the sparse layout's metadata registers (Sparse only).
template <int N, bool Sparse>
Status launch(const void* a, const void* words, const void* metadata, const hopper::Params& p,
              const WgmmaInt4Plan& plan, bool dependent, cudaStream_t stream) {
    using Shape = hopper::Shape<N, Sparse>;
    CUtensorMap activations, weights, metadataMap;
    Q4_CHECK(encodeActivations(activations, a, p.m, p.k, N, Shape::kStepsPerStage));
    Q4_CHECK(encodeTileWords(weights, "weight", words, p.n, p.k, Shape::kTileWordBytes / 4, Shape::kBlockTiles,
                             Shape::kStepsPerStage));
    if constexpr (Sparse)
        Q4_CHECK(encodeTileWords(metadataMap, "metadata", metadata, p.n, p.k, Shape::kTileMetadataBytes / 4,
                                 Shape::kBlockTiles, Shape::kStepsPerStage));
    else
        metadataMap = weights;  // unread by the dense kernel
    static const cudaError_t raised =  // once per instantiation
        cudaFuncSetAttribute(hopper::wgmmaInt4Kernel<N, Sparse>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             Shape::kSharedBytes);
    if (raised != cudaSuccess) return cudaStatus(raised, "wgmma_int4 shared memory limit");
    const KernelLaunch shape(dim3(unsigned(plan.nBlocks), unsigned(plan.rowTiles), unsigned(plan.slices)),
                             dim3(Shape::kThreads), Shape::kSharedBytes, stream, dependent);
    Q4_CHECK(cudaStatus(
        cudaLaunchKernelEx(shape.config(), hopper::wgmmaInt4Kernel<N, Sparse>, activations, weights, metadataMap, p),
        "wgmma_int4 launch"));
    return launchStatus("wgmma_int4 kernel");
}

template <bool Sparse>
Status launchPlan(const void* a, const void* words, const void* metadata, const hopper::Params& p,
                  const WgmmaInt4Plan& plan, bool dependent, cudaStream_t stream) {
    switch (plan.rowsPerTile) {
        case 16: return launch<16, Sparse>(a, words, metadata, p, plan, dependent, stream);
        case 32: return launch<32, Sparse>(a, words, metadata, p, plan, dependent, stream);
        case 64: return launch<64, Sparse>(a, words, metadata, p, plan, dependent, stream);
        case 128: return launch<128, Sparse>(a, words, metadata, p, plan, dependent, stream);
        default: return launch<256, Sparse>(a, words, metadata, p, plan, dependent, stream);
    }
}

}  // namespace

Status WgmmaInt4Runner::prepare(std::int64_t maxM, std::int64_t n, std::int64_t k, int multiprocessors,
                                DeviceAllocator& alloc, cudaStream_t stream) {
    maxM_ = maxM;
    n_ = n;
    k_ = k;
    multiprocessors_ = multiprocessors;
    std::size_t partials = 0;
    int counters = 0;
    // The split depends on the tile shape and count: size for every one that m <= maxM meets
    // (the tile count changes at most every 16 rows).
    for (std::int64_t rows = 16; rows < maxM + 16; rows += 16) {
        const WgmmaInt4Plan plan = planWgmmaInt4(std::min(rows, maxM), n, k, multiprocessors);
        partials = std::max(partials, partialBytes(plan));
        counters = std::max(counters, plan.rowTiles * plan.nBlocks);
    }
    if (partials > 0) {
        auto buffer = alloc.allocate(partials, MemoryUse::Workspace);
        if (!buffer) return Status::failure(buffer.error());
        partials_ = std::move(buffer).value();
    }
    auto buffer = alloc.allocate(std::size_t(counters) * sizeof(int), MemoryUse::Workspace);
    if (!buffer) return Status::failure(buffer.error());
    counters_ = std::move(buffer).value();
    return cudaStatus(cudaMemsetAsync(counters_.data(), 0, counters_.bytes(), stream), "wgmma_int4 counters");
}

Status WgmmaInt4Runner::launchFor(bool sparse, const void* words, const void* metadata, const void* scales,
                                  const void* zeros, int groupSize, const void* a, void* c, std::int64_t m,
                                  bool dependent, cudaStream_t stream) const {
    if (m > maxM_) return Status::failure("m=" + std::to_string(m) + " is above the m wgmma_int4 was prepared for");
    const WgmmaInt4Plan plan = planWgmmaInt4(m, n_, k_, multiprocessors_);
    hopper::Params p{};
    p.scales = static_cast<const uint32_t*>(scales);
    p.zeros = static_cast<const uint32_t*>(zeros);
    p.c = static_cast<__half*>(c);
    p.partials = partials_.as<float4>();
    p.counters = counters_.as<int>();
    p.m = int(m);
    p.n = int(n_);
    p.k = int(k_);
    p.groupSize = groupSize;
    p.sliceK = plan.sliceK;
    p.slices = plan.slices;
    return sparse ? launchPlan<true>(a, words, metadata, p, plan, dependent, stream)
                  : launchPlan<false>(a, words, nullptr, p, plan, dependent, stream);
}

Status WgmmaInt4Runner::run(const FragmentWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                            cudaStream_t stream) const {
    return launchFor(false, w.words, nullptr, w.scales, w.zeros, w.groupSize, a, c, m, dependent, stream);
}

Status WgmmaInt4Runner::runSparse(const SparseWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                                  cudaStream_t stream) const {
    if (w.groupSize <= 0 || w.groupSize % 32 != 0)
        return Status::failure("the sparse wgmma path needs groups of whole 32-row blocks, not groupSize=" +
                                   std::to_string(w.groupSize),
                               "groupSize");
    return launchFor(true, w.words, w.metadata, w.scales, w.zeros, w.groupSize, a, c, m, dependent, stream);
}

std::string WgmmaInt4Runner::path(std::int64_t m) const {
    const WgmmaInt4Plan plan = planWgmmaInt4(m, n_, k_, multiprocessors_);
    return "wgmma n" + std::to_string(plan.rowsPerTile) + " x" + std::to_string(plan.rowTiles) + " split-k " +
           std::to_string(plan.slices);
}

}  // namespace q4
