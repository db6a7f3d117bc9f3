#include "sparsity/sparsity.h"

#include <string>

namespace q4 {

namespace {
constexpr NamedValue<Sparsity> kSparsityNames[] = {
    {Sparsity::None, "none"}, {Sparsity::Sparse16of32, "16:32"}, {Sparsity::Sparse2of4, "2:4"}};
}  // namespace

NameTable<Sparsity> namesOf(Sparsity) {
    return kSparsityNames;
}

Status validateSparsity(std::int64_t k, Sparsity sparsity) {
    if (sparsity == Sparsity::None || k % kRowsPerMetadataWord == 0) return Status::success();
    return Status::failure("k=" + std::to_string(k) + " is not a multiple of " + std::to_string(kRowsPerMetadataWord) +
                               ", which " + nameOf(sparsity) + " sparsity needs",
                           "k");
}

std::int64_t compressedWeightBytes(std::int64_t k, std::int64_t n, Sparsity sparsity) {
    const std::int64_t keptRows = k / runLength(sparsity) * keptPerRun(sparsity);
    return keptRows * n / 2;  // two nibbles a byte
}

std::int64_t metadataBytes(std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (sparsity == Sparsity::None) return 0;
    return k / kRowsPerMetadataWord * n * std::int64_t(sizeof(std::uint32_t));
}

}  // namespace q4
