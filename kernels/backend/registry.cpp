#include "backend/gpu_kernel.h"
#include "backend/kernel_entries.h"

namespace q4 {

const std::vector<KernelEntry>& kernelRegistry() {
    static const std::vector<KernelEntry> entries = {
        cublasFp16Entry(),
        gptqNaiveEntry(),
        gptqHalf2Entry(),
        exllamaStyleEntry(),
        dequantCublasEntry(),
        tiledDequantMmaEntry(),
        tcInt4Entry(),
        gemvInt4Entry(),
        wgmmaInt4Entry(),
        bestInt4Entry(),
        fp32ReferenceEntry(),
    };
    return entries;
}

}  // namespace q4
