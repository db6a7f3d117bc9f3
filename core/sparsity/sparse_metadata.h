#pragma once
// The metadata that says which rows a compressed column keeps: [k/32, n] uint32, row-major,
// word [j, c] covering rows 32j..32j+31 of column c.
//   16:32  a row mask: bit i set = row 32j+i kept; exactly 16 bits set.
//   2:4    for each 4-row group g = 0..7 (rows 32j+4g..32j+4g+3), bits 4g..4g+3 hold the two
//          kept rows' offsets a < b (0..3): a in bits 4g..4g+1, b in bits 4g+2..4g+3.
//          E.g. group 0 keeping offsets 0, 1 and group 1 keeping 2, 3 give the low byte 0xE4.
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "sparsity/prune.h"
#include "sparsity/sparsity.h"

namespace q4 {

// The metadata of a mask that validateKeepMask accepts. Empty for None.
std::vector<std::uint32_t> encodeMetadata(const KeepMask& mask, std::int64_t k, std::int64_t n, Sparsity sparsity);

// The rows (offsets 0..31, increasing) one valid metadata word keeps, into rows[16]; returns 16.
int keptOffsets(std::uint32_t word, Sparsity sparsity, int rows[16]);

// Why metadata describes no mask, naming the first bad word: wrong size, a 16:32 word without
// exactly 16 bits set, 2:4 offsets not strictly increasing. Safe on any input.
Status validateMetadata(const std::vector<std::uint32_t>& metadata, std::int64_t k, std::int64_t n,
                        Sparsity sparsity);

// The mask that metadata describes, or validateMetadata's reason it describes none.
Expected<KeepMask> decodeMetadata(const std::vector<std::uint32_t>& metadata, std::int64_t k, std::int64_t n,
                                  Sparsity sparsity);

}  // namespace q4
