#pragma once
// Structured sparsity patterns for GPTQ int4 weights, applied along k (the input features):
// in every column, each run of runLength consecutive rows keeps keptPerRun of them.
//   16:32  runs of 32 rows keep 16
//   2:4    runs of 4 rows keep 2
// Runs follow the stored row order (the order of qweight's rows and of A's columns), not the
// act-order visit order: a kernel that regroups rows by g_idx breaks the pattern.
//
// Divisibility: both patterns need k % 32 == 0. For 16:32 the run itself is 32 rows; for 2:4 the
// metadata packs 8 runs of 4 rows into one uint32 (sparse_metadata.h). The kept nibbles, k/2 per
// column, pack 8 per int32, which needs k % 16 and so adds nothing. None adds no rule.
#include <cstdint>

#include "common/enum_names.h"
#include "common/expected.h"

namespace q4 {

enum class Sparsity { None, Sparse16of32, Sparse2of4 };
NameTable<Sparsity> namesOf(Sparsity);  // none, 16:32, 2:4

// Rows per run and rows kept per run; None keeps every row (runs of one).
constexpr int runLength(Sparsity s) {
    return s == Sparsity::Sparse16of32 ? 32 : s == Sparsity::Sparse2of4 ? 4 : 1;
}
constexpr int keptPerRun(Sparsity s) {
    return s == Sparsity::Sparse16of32 ? 16 : s == Sparsity::Sparse2of4 ? 2 : 1;
}

// Rows of k covered by one metadata word: 32 for both patterns.
constexpr std::int64_t kRowsPerMetadataWord = 32;

// The divisibility above, e.g. "k=48 is not a multiple of 32, which 16:32 sparsity needs".
Status validateSparsity(std::int64_t k, Sparsity sparsity);

// Bytes of a layer's int4 weights as stored: k*n/2 dense, k*n/4 for the kept half.
std::int64_t compressedWeightBytes(std::int64_t k, std::int64_t n, Sparsity sparsity);
// Bytes of the masks or index metadata beside them: k*n/8 for both patterns, 0 for None.
// Scales, zeros and g_idx are as large as the dense layer's and are not counted here.
std::int64_t metadataBytes(std::int64_t k, std::int64_t n, Sparsity sparsity);

}  // namespace q4
