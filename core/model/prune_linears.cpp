#include "model/prune_linears.h"

#include <future>

#include "sparsity/prune.h"
#include "sparsity/sparse_gptq_layer.h"

namespace q4 {

namespace {

Status pruneLinear(DecoderLinear& linear, Sparsity sparsity) {
    auto mask = pruneQuantized(linear.layer, sparsity);
    if (!mask) return Status::failure(linear.name + ": " + mask.error());
    auto sparse = compressPruned(linear.layer, *mask, sparsity);
    if (!sparse) return Status::failure(linear.name + ": " + sparse.error());
    linear.sparse = std::move(sparse).value();
    return Status::success();
}

}  // namespace

Status pruneLinears(std::vector<DecoderLinear>& linears, Sparsity sparsity) {
    if (sparsity == Sparsity::None) return Status::success();
    // The layers are independent and each pass over one is serial: one thread per layer (a 13B
    // block's four fused layers took 17-24 s one after another on two cores).
    std::vector<std::future<Status>> pruned;
    pruned.reserve(linears.size());
    for (DecoderLinear& linear : linears)
        pruned.push_back(std::async(std::launch::async, [&linear, sparsity] { return pruneLinear(linear, sparsity); }));
    Status first = Status::success();
    for (auto& result : pruned) {
        const Status s = result.get();
        if (first && !s) first = s;
    }
    return first;
}

}  // namespace q4
