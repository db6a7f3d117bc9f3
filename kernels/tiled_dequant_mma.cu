// tiled_dequant_mma: not yet written.
#include "kernel_entries.h"

namespace q4 {

KernelEntry tiledDequantMmaEntry() {
    return {{"tiled_dequant_mma", "tensor-core", "not yet written", "none", true},
            [](const SweepPoint&, const GpuContext&) { return Status::failure("tiled_dequant_mma is not yet written"); },
            []() -> std::unique_ptr<GpuKernel> { return nullptr; }};
}

}  // namespace q4
