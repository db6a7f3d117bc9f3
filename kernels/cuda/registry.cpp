#include "cuda/gpu_kernel.h"
#include "cuda/kernel_entries.h"

namespace q4 {

const std::vector<KernelEntry>& kernelRegistry() {
    static const std::vector<KernelEntry> entries = {
#define Q4_KERNEL(factory) factory(),
#include "cuda/kernel_list.inc"
#undef Q4_KERNEL
    };
    return entries;
}

}  // namespace q4
