// gptq_half2: not yet written.
#include "kernel_entries.h"

namespace q4 {

KernelEntry gptqHalf2Entry() {
    return {{"gptq_half2", "gptq", "not yet written", "none", true},
            [](const SweepPoint&, const GpuContext&) { return Status::failure("gptq_half2 is not yet written"); },
            []() -> std::unique_ptr<GpuKernel> { return nullptr; }};
}

}  // namespace q4
