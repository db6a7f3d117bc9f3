// dequant_cublas: not yet written.
#include "kernel_entries.h"

namespace q4 {

KernelEntry dequantCublasEntry() {
    return {{"dequant_cublas", "dequant", "not yet written", "none", true},
            [](const SweepPoint&, const GpuContext&) { return Status::failure("dequant_cublas is not yet written"); },
            []() -> std::unique_ptr<GpuKernel> { return nullptr; }};
}

}  // namespace q4
