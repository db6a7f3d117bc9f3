// gptq_naive: not yet written.
#include "kernel_entries.h"

namespace q4 {

KernelEntry gptqNaiveEntry() {
    return {{"gptq_naive", "gptq", "not yet written", "none", true},
            [](const SweepPoint&, const GpuContext&) { return Status::failure("gptq_naive is not yet written"); },
            []() -> std::unique_ptr<GpuKernel> { return nullptr; }};
}

}  // namespace q4
