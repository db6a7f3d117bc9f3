// exllama_style: not yet written.
#include "kernel_entries.h"

namespace q4 {

KernelEntry exllamaStyleEntry() {
    return {{"exllama_style", "exllama", "not yet written", "none", true},
            [](const SweepPoint&, const GpuContext&) { return Status::failure("exllama_style is not yet written"); },
            []() -> std::unique_ptr<GpuKernel> { return nullptr; }};
}

}  // namespace q4
