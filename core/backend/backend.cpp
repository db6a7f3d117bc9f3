#include "backend/backend.h"

#include <algorithm>

#include "sweep/sweep_expand.h"

namespace q4 {

std::vector<std::string> kernelIds(const Backend& backend) {
    std::vector<std::string> ids;
    for (const auto& k : backend.kernels()) ids.push_back(k.id);
    return ids;
}

Status supportsSparsity(const KernelInfo& kernel, Sparsity sparsity) {
    if (std::find(kernel.sparsity.begin(), kernel.sparsity.end(), sparsity) != kernel.sparsity.end())
        return Status::success();
    if (sparsity != Sparsity::None && kernel.sparsity == std::vector<Sparsity>{Sparsity::None})
        return Status::failure(kernel.id + " runs dense weights only (sparsity " + nameOf(sparsity) + ")");
    std::string patterns;
    for (Sparsity s : kernel.sparsity) patterns += (patterns.empty() ? "" : ", ") + std::string(nameOf(s));
    if (sparsity == Sparsity::None) return Status::failure(kernel.id + " runs sparse weights only (" + patterns + ")");
    return Status::failure(kernel.id + " does not run " + nameOf(sparsity) + " weights (only " + patterns + ")");
}

std::vector<std::string> sweepKernels(const SweepSpec& spec, const std::vector<KernelInfo>& kernels) {
    std::vector<std::string> ids;
    ids.reserve(kernels.size());
    for (const KernelInfo& k : kernels) ids.push_back(k.id);
    std::vector<std::string> selected = selectedKernels(spec, ids);
    if (!(spec.kernels.size() == 1 && spec.kernels.front() == "all")) return selected;
    std::erase_if(selected, [&](const std::string& id) {
        const auto info = std::find_if(kernels.begin(), kernels.end(), [&](const KernelInfo& k) { return k.id == id; });
        return std::none_of(spec.sparsity.begin(), spec.sparsity.end(),
                            [&](Sparsity s) { return supportsSparsity(*info, s).ok(); });
    });
    return selected;
}

std::vector<Sparsity> allSparsities() { return {Sparsity::None, Sparsity::Sparse16of32, Sparsity::Sparse2of4}; }

}  // namespace q4
