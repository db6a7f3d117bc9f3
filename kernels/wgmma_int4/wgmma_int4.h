#pragma once
// wgmma_int4: the Hopper path (sm_90a) of our W4A16 GEMM; see wgmma_int4_kernel.cuh.
// It runs on tc_int4's prepared weights, so best_int4 and the wgmma_int4 entry share them, and on
// sparse_int4's 2:4 weights through the sparse wgmma (sparse_int4's path above 16 rows on Hopper).
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "cuda/device_memory.h"
#include "int4_layout/fragment_dequant.h"
#include "int4_layout/sparse_weights_view.h"

namespace q4 {

struct GpuContext;
struct SweepPoint;

// The launch shape for one problem: activation rows per tile (a wgmma N), tiles of rows, and
// k slices so that the grid fills the chip (one block per SM).
struct WgmmaInt4Plan {
    int rowsPerTile = 0;
    int rowTiles = 0;
    int nBlocks = 0;
    int slices = 1;
    int sliceK = 0;
};
WgmmaInt4Plan planWgmmaInt4(std::int64_t m, std::int64_t n, std::int64_t k, int multiprocessors);

// True where the sm_90a code runs: compute capability 9.0 exactly (arch-specific code has no
// forward compatibility).
bool wgmmaInt4Runs(int computeCapability);
// The wgmma_int4 entry's check: tc_int4's shape limits, and compute capability 9.0 where the
// context names a device.
Status wgmmaInt4Supports(const SweepPoint& point, const GpuContext& context);

// Workspace (split-k partials and tile counters) and launches for m up to the prepared maximum.
class WgmmaInt4Runner {
public:
    Status prepare(std::int64_t maxM, std::int64_t n, std::int64_t k, int multiprocessors, DeviceAllocator& alloc,
                   cudaStream_t stream);
    // a: activations in the weights' sorted row order. dependent: launched right after the
    // act-order reordering that writes a, as its programmatic dependent.
    Status run(const FragmentWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
               cudaStream_t stream) const;
    // 2:4 sparse weights in sparse_int4's layout, with groups of whole 32-row blocks (w.groupSize a
    // positive multiple of 32; per-row groups are refused).
    Status runSparse(const SparseWeightsView& w, const void* a, void* c, std::int64_t m, bool dependent,
                     cudaStream_t stream) const;
    std::string path(std::int64_t m) const;

private:
    // Plans m and launches the dense (metadata unused) or the sparse kernel.
    Status launchFor(bool sparse, const void* words, const void* metadata, const void* scales, const void* zeros,
                     int groupSize, const void* a, void* c, std::int64_t m, bool dependent, cudaStream_t stream) const;

    DeviceBuffer partials_, counters_;
    std::int64_t maxM_ = 0, n_ = 0, k_ = 0;
    int multiprocessors_ = 132;
};

}  // namespace q4
