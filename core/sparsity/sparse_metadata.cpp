#include "sparsity/sparse_metadata.h"

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <cstdio>
#include <string>

#include "common/parallel_for.h"

namespace q4 {
namespace {

constexpr int kGroupsPerWord = 8;  // 2:4 groups of 4 rows in a 32-row word

std::string str(std::int64_t v) {
    return std::to_string(v);
}

std::string hex(std::uint32_t word) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08X", unsigned(word));
    return text;
}

// "metadata word [1, 5] (rows 32..63 of column 5)"
std::string wordName(std::int64_t j, std::int64_t c) {
    return "metadata word [" + str(j) + ", " + str(c) + "] (rows " + str(j * 32) + ".." + str(j * 32 + 31) +
           " of column " + str(c) + ")";
}

}  // namespace

std::vector<std::uint32_t> encodeMetadata(const KeepMask& mask, std::int64_t k, std::int64_t n, Sparsity sparsity) {
    if (sparsity == Sparsity::None) return {};
    const std::int64_t words = k / kRowsPerMetadataWord;
    std::vector<std::uint32_t> metadata(std::size_t(words * n), 0);
    // Words in parallel: each is written from its own 32 rows of one column.
    parallelFor(
        words, kParallelElements / std::max<std::int64_t>(32 * n, 1), [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t j = begin; j < end; ++j)
                for (std::int64_t c = 0; c < n; ++c) {
                    auto kept = [&](std::int64_t offset) { return mask[std::size_t((j * 32 + offset) * n + c)] != 0; };
                    std::uint32_t word = 0;
                    if (sparsity == Sparsity::Sparse16of32) {
                        for (int i = 0; i < 32; ++i)
                            if (kept(i)) word |= 1u << i;
                    } else {
                        for (int g = 0; g < kGroupsPerWord; ++g) {
                            int slot = 0;  // 0 for the lower kept offset, 1 for the higher
                            for (int offset = 0; offset < 4; ++offset)
                                if (kept(4 * g + offset)) word |= std::uint32_t(offset) << (4 * g + 2 * slot++);
                        }
                    }
                    metadata[std::size_t(j * n + c)] = word;
                }
        });
    return metadata;
}

int keptOffsets(std::uint32_t word, Sparsity sparsity, int rows[16]) {
    int count = 0;
    if (sparsity == Sparsity::Sparse16of32) {
        for (int i = 0; i < 32 && count < 16; ++i)
            if ((word >> i) & 1u) rows[count++] = i;
        return count;
    }
    for (int g = 0; g < kGroupsPerWord; ++g) {
        rows[count++] = 4 * g + int((word >> (4 * g)) & 3u);
        rows[count++] = 4 * g + int((word >> (4 * g + 2)) & 3u);
    }
    return count;
}

namespace {

// Why word [j, c] is not valid metadata; empty when it is.
std::string wordProblem(std::uint32_t word, std::int64_t j, std::int64_t c, Sparsity sparsity) {
    if (sparsity == Sparsity::Sparse16of32) {
        const auto kept = std::bitset<32>(word).count();
        if (kept == 16) return {};
        return wordName(j, c) + " = " + hex(word) + " keeps " + str(std::int64_t(kept)) +
               " rows: 16:32 keeps exactly 16 of 32";
    }
    for (int g = 0; g < kGroupsPerWord; ++g) {
        const std::uint32_t lower = (word >> (4 * g)) & 3u, higher = (word >> (4 * g + 2)) & 3u;
        if (lower >= higher)
            return wordName(j, c) + " = " + hex(word) + ", group " + str(g) + " holds offsets " + str(lower) + ", " +
                   str(higher) + ": 2:4 offsets must be strictly increasing, lower first";
    }
    return {};
}

}  // namespace

Status validateMetadata(const std::vector<std::uint32_t>& metadata, std::int64_t k, std::int64_t n,
                        Sparsity sparsity) {
    if (sparsity == Sparsity::None) return Status::failure("none sparsity has no metadata");
    if (k <= 0) return Status::failure("k=" + str(k) + " must be positive", "k");
    if (n <= 0) return Status::failure("n=" + str(n) + " must be positive", "n");
    if (Status valid = validateSparsity(k, sparsity); !valid) return valid;
    const std::int64_t words = k / kRowsPerMetadataWord;
    if (std::int64_t(metadata.size()) != words * n)
        return Status::failure("metadata has " + str(std::int64_t(metadata.size())) +
                               " words: it must have k/32*n=" + str(words * n));
    const std::int64_t bad = firstIndexWhere(words * n, kParallelElements / 32, [&](std::int64_t i) {
        return !wordProblem(metadata[std::size_t(i)], i / n, i % n, sparsity).empty();
    });
    if (bad < 0) return Status::success();
    return Status::failure(wordProblem(metadata[std::size_t(bad)], bad / n, bad % n, sparsity));
}

Expected<KeepMask> decodeMetadata(const std::vector<std::uint32_t>& metadata, std::int64_t k, std::int64_t n,
                                  Sparsity sparsity) {
    if (Status valid = validateMetadata(metadata, k, n, sparsity); !valid) return valid.asError();
    KeepMask mask(std::size_t(k * n), 0);
    const std::int64_t words = k / kRowsPerMetadataWord;
    // Words in parallel: each sets only its own 32 rows of one column.
    parallelFor(words, kParallelElements / std::max<std::int64_t>(32 * n, 1), [&](std::int64_t begin, std::int64_t end) {
        int rows[16];
        for (std::int64_t j = begin; j < end; ++j)
            for (std::int64_t c = 0; c < n; ++c) {
                const int kept = keptOffsets(metadata[std::size_t(j * n + c)], sparsity, rows);
                for (int i = 0; i < kept; ++i) mask[std::size_t((j * 32 + rows[i]) * n + c)] = 1;
            }
    });
    return mask;
}

}  // namespace q4
