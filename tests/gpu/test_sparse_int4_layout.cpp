// The sparse_int4 layout, checked on the host (no GPU needed): W^T is rebuilt from the fragment
// words and metadata registers exactly as the PTX ISA says mma.sp m16n8k32 .f16 reads them, and
// must equal the compressed layer's own dequantized weights, for several shapes, group sizes and
// act-order. The kernel's per-row group lookup (sparse::keptOffset over the metadata lanes it
// shuffles from) is checked against the same rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cuda/device_memory.h"
#include "cuda/gpu_kernel.h"
#include "gpu_test_support.h"
#include "run/problem_data.h"
#include "sparse_int4/sparse_expand.h"
#include "sparse_int4/sparse_int4.h"
#include "sparse_int4/sparse_layout.h"
#include "sparsity/sparse_gptq_layer.h"
#include "wgmma_int4/wgmma_int4.h"

namespace {

struct Shape {
    std::int64_t n, k;
    int group;
    bool actOrder;
};

std::string describe(const Shape& s) {
    return "n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) + " group " + std::to_string(s.group) +
           (s.actOrder ? " act-order" : "");
}

q4::LayerData sparseLayer(const Shape& s, std::uint64_t seed = 7) {
    q4::QuantConfig quant;
    quant.groupSize = s.group;
    quant.actOrder = s.actOrder;
    quant.symmetric = false;
    quant.zeroFormat = seed % 2 ? q4::ZeroFormat::V1 : q4::ZeroFormat::V2;
    auto data = q4::makeLayerData(s.n, s.k, quant, seed, q4::Sparsity::Sparse2of4);
    EXPECT_TRUE(data.ok()) << data.error();
    EXPECT_TRUE(data->sparse.has_value());
    return std::move(data).value();
}

std::uint32_t halfOf(std::uint32_t pair, int high) { return high ? pair >> 16 : pair & 0xFFFFu; }

// W^T [n][k] as the warps of sparse_int4 feed it to mma.sp, from the PTX ISA's rules for sparse
// m16n8k32 with .f16, written out here independently of the layout code:
//   A (sparse m16n8k32 .f16): lane 4 groupID + tig holds registers of two non-zeros each:
//     a0,a1 -> row groupID, a2,a3 -> groupID + 8, a4,a5 -> groupID, a6,a7 -> groupID + 8;
//     columns [4 tig, 4 tig + 3] for a0..a3, [4 tig + 16, 4 tig + 19] for a4..a7. So the chunk c
//     (columns 4c..4c+3) of row r is in lane 4 (r % 8) + c % 4, register r / 8 + 2 (c / 4); the
//     register's low half is the chunk's first non-zero.
//   Metadata (sparse m16n8k32 .f16, CuTe's ELayout for SM80_SPARSE_16x8x32): with selector s the
//     lanes 4 groupID + 2 s (columns 0-15) and 4 groupID + 2 s + 1 (columns 16-31) supply it, bits
//     0-15 for row groupID and 16-31 for groupID + 8, 4 bits a chunk from the LSB, the index of the
//     low half's element in the chunk's low 2 bits (increasing for ::ordered_metadata).
//   The kernel issues block 0 of a 64-k step with selector 0 and block 1 with selector 1.
// Values: the nibbles at bits 4p and 16 + 4p of a lane's word for register p (what
// tc::dequantizeTile reads); q - z exact, then the group's scale: in fp32 with block-uniform groups
// (the kernel scales the group's exact sums), rounded to fp16 with per-row groups (its hmul2).
struct Rebuilt {
    std::vector<float> wt;           // [n][k]
    std::vector<std::uint8_t> kept;  // [n][k]
};

void rebuildFromFragments(const q4::SparseFragmentLayout& layout, Rebuilt& out) {
    const std::int64_t n = layout.n, k = layout.k, nTiles = n / 16;
    out = {std::vector<float>(std::size_t(n * k), 0.0f), std::vector<std::uint8_t>(std::size_t(n * k), 0)};
    for (std::int64_t step = 0; step < k / 64; ++step)
        for (std::int64_t tile = 0; tile < nTiles; ++tile) {
            const std::size_t lane0 = std::size_t((step * nTiles + tile) * 32);
            for (int selector = 0; selector < 2; ++selector)
                for (int r = 0; r < 16; ++r)
                    for (int c = 0; c < 8; ++c) {
                        const int aLane = 4 * (r % 8) + c % 4, reg = r / 8 + 2 * (c / 4);
                        const std::uint32_t word = layout.words[(lane0 + std::size_t(aLane)) * 2 + std::size_t(selector)];
                        const int eLane = 4 * (r % 8) + 2 * selector + c / 4;
                        const std::uint32_t e = layout.metadata[lane0 + std::size_t(eLane)];
                        const int nibble = int(e >> (16 * (r / 8) + 4 * (c % 4))) & 0xF;
                        const int offsets[2] = {nibble & 3, nibble >> 2};
                        ASSERT_LT(offsets[0], offsets[1]) << "metadata not increasing: step " << step << " tile " << tile
                                                          << " row " << r << " chunk " << c;
                        const std::int64_t feature = tile * 16 + r, blockK = step * 64 + selector * 32;
                        for (int half = 0; half < 2; ++half) {
                            const int q = int(word >> (4 * reg + 16 * half)) & 0xF;
                            const std::int64_t row = blockK + 4 * c + offsets[half];
                            const std::int64_t group =
                                layout.groupSize > 0 ? blockK / layout.groupSize : layout.gIdx[std::size_t(row)];
                            const std::size_t pair = std::size_t((group * nTiles + tile) * 8 + r % 8);
                            const float scale = q4::halfToFloat(q4::HalfBits(halfOf(layout.scales[pair], r / 8)));
                            const float zero = q4::halfToFloat(q4::HalfBits(halfOf(layout.zeros[pair], r / 8))) - 1024.0f;
                            float value = scale * (float(q) - zero);
                            if (layout.groupSize == 0) value = q4::halfToFloat(q4::floatToHalf(value));
                            const std::size_t at = std::size_t(feature * k + row);
                            ASSERT_EQ(out.kept[at], 0) << "feature " << feature << " row " << row << " fed twice";
                            out.kept[at] = 1;
                            out.wt[at] = value;
                        }
                    }
        }
}

void expectRebuildMatches(const Shape& shape, std::uint64_t seed) {
    SCOPED_TRACE(describe(shape));
    const q4::LayerData data = sparseLayer(shape, seed);
    ASSERT_TRUE(data.sparse.has_value());
    auto layout = q4::makeSparseFragmentLayout(*data.sparse);
    ASSERT_TRUE(layout) << layout.error();
    Rebuilt rebuilt;
    rebuildFromFragments(*layout, rebuilt);
    if (::testing::Test::HasFatalFailure()) return;

    const std::vector<float> w = q4::dequantizePruned(*data.sparse);  // [k, n]
    auto mask = q4::keepMaskOf(*data.sparse);
    ASSERT_TRUE(mask) << mask.error();
    const std::int64_t n = shape.n, k = shape.k;
    const bool perRow = layout->groupSize == 0;
    int mismatches = 0;
    for (std::int64_t row = 0; row < k && mismatches < 10; ++row)
        for (std::int64_t col = 0; col < n && mismatches < 10; ++col) {
            const std::size_t wt = std::size_t(col * k + row), at = std::size_t(row * n + col);
            EXPECT_EQ(rebuilt.kept[wt], (*mask)[at]) << "row " << row << " col " << col;
            const float want = perRow ? q4::halfToFloat(q4::floatToHalf(w[at])) : w[at];
            if (rebuilt.wt[wt] != want) {
                ++mismatches;
                ADD_FAILURE() << "row " << row << " col " << col << ": fragments give " << rebuilt.wt[wt]
                              << ", the layer " << want;
            }
        }
    // The memory the backend counts: the compressed nibbles and the metadata, nothing more.
    EXPECT_EQ(std::int64_t(layout->words.size() * 4), q4::compressedWeightBytes(k, n, q4::Sparsity::Sparse2of4));
    EXPECT_EQ(std::int64_t(layout->metadata.size() * 4), q4::metadataBytes(k, n, q4::Sparsity::Sparse2of4));
}

TEST(SparseInt4Layout, FragmentsRebuildThePrunedWeights) {
    std::uint64_t seed = 11;
    for (const Shape& s : {Shape{16, 64, -1, false}, Shape{32, 128, 32, false}, Shape{48, 192, 64, false},
                           Shape{64, 256, 128, false}, Shape{144, 320, 64, false}, Shape{32, 128, 16, false},
                           Shape{32, 256, 32, true}, Shape{48, 256, 64, true}, Shape{64, 512, 128, true},
                           Shape{16, 128, 16, true}})
        expectRebuildMatches(s, seed++);
}

TEST(SparseInt4Layout, GroupsAreBlockUniformOnlyInNaturalOrderOfWholeBlocks) {
    struct Case {
        Shape shape;
        int groupSize;  // the layout's: 0 for per-row groups
    };
    for (const Case& c : {Case{{32, 128, 32, false}, 32}, Case{{32, 256, 128, false}, 128}, Case{{32, 256, -1, false}, 256},
                          Case{{32, 128, 16, false}, 0}, Case{{32, 256, 64, true}, 0}}) {
        SCOPED_TRACE(describe(c.shape));
        const q4::LayerData data = sparseLayer(c.shape);
        auto layout = q4::makeSparseFragmentLayout(*data.sparse);
        ASSERT_TRUE(layout) << layout.error();
        EXPECT_EQ(layout->groupSize, c.groupSize);
        EXPECT_EQ(layout->gIdx.empty(), c.groupSize > 0);
        if (c.groupSize == 0) {
            EXPECT_EQ(layout->gIdx, data.sparse->gIdx);
        }
    }
}

// Hand-checked against the PTX fragment and metadata tables: lane 0 (groupID 0, tig 0) holds
// chunk 0 of rows 0 and 8 and chunk 4 of rows 0 and 8 of each block; it supplies the metadata of
// k 0-15 of rows 0 (low half) and 8 (high half) for selector 0; lane 1 k 16-31; lane 2 and 3 the
// same for the second block (selector 1).
TEST(SparseInt4Layout, LanesZeroToThreeHoldTheirFragmentsAndMetadata) {
    const q4::LayerData data = sparseLayer({16, 64, -1, false});
    const q4::SparseGptqLayer& sparse = *data.sparse;
    auto layout = q4::makeSparseFragmentLayout(sparse);
    ASSERT_TRUE(layout) << layout.error();
    const auto kept = q4::unpackWeights(sparse.keptQweight, 32, 16);  // [k/2][n]: slot s of column c
    auto nib = [&](int slot, int col) { return std::uint32_t(kept[std::size_t(slot * 16 + col)]); };
    // Run r of a column keeps slots 2r and 2r + 1; block 1 starts at run 8.
    for (int block = 0; block < 2; ++block) {
        const int run0 = 8 * block, run4 = 8 * block + 4;
        const std::uint32_t expected = nib(2 * run0, 0) | nib(2 * run0 + 1, 0) << 16 | nib(2 * run0, 8) << 4 |
                                       nib(2 * run0 + 1, 8) << 20 | nib(2 * run4, 0) << 8 | nib(2 * run4 + 1, 0) << 24 |
                                       nib(2 * run4, 8) << 12 | nib(2 * run4 + 1, 8) << 28;
        EXPECT_EQ(layout->words[std::size_t(block)], expected) << "block " << block;
    }
    auto meta = [&](int word32, int col) { return sparse.metadata[std::size_t(word32 * 16 + col)]; };
    EXPECT_EQ(layout->metadata[0], (meta(0, 0) & 0xFFFFu) | (meta(0, 8) & 0xFFFFu) << 16);
    EXPECT_EQ(layout->metadata[1], (meta(0, 0) >> 16) | (meta(0, 8) >> 16) << 16);
    EXPECT_EQ(layout->metadata[2], (meta(1, 0) & 0xFFFFu) | (meta(1, 8) & 0xFFFFu) << 16);
    EXPECT_EQ(layout->metadata[3], (meta(1, 0) >> 16) | (meta(1, 8) >> 16) << 16);
    // Lane 4 (groupID 1): rows 1 and 9.
    EXPECT_EQ(layout->metadata[4], (meta(0, 1) & 0xFFFFu) | (meta(0, 9) & 0xFFFFu) << 16);
}

// The per-row path: each lane reads the offsets of its own 8 values from the metadata registers of
// the block's two metadata lanes in its quad (shuffled there); they must name the rows the PTX
// rule gives.
TEST(SparseInt4Layout, PerRowLookupFindsEachValuesRow) {
    const q4::LayerData data = sparseLayer({32, 256, 64, true});
    auto layout = q4::makeSparseFragmentLayout(*data.sparse);
    ASSERT_TRUE(layout) << layout.error();
    const std::int64_t nTiles = 2;
    for (std::int64_t step = 0; step < 4; ++step)
        for (std::int64_t tile = 0; tile < nTiles; ++tile) {
            const std::size_t lane0 = std::size_t((step * nTiles + tile) * 32);
            auto metaOf = [&](int lane) { return layout->metadata[lane0 + std::size_t(lane)]; };
            for (int block = 0; block < 2; ++block)
                for (int lane = 0; lane < 32; ++lane) {
                    const int g = lane / 4, t = lane % 4;
                    const std::uint32_t low = metaOf(q4::sparse::metadataLane(g, block, 0));
                    const std::uint32_t high = metaOf(q4::sparse::metadataLane(g, block, 1));
                    for (int p = 0; p < 4; ++p) {
                        // PTX: register p of this lane is row g + 8 (p % 2), chunk t + 4 (p / 2); its
                        // metadata nibble sits in lane 4 g + 2 block + p / 2, at bit 16 (p % 2) + 4 t.
                        const int chunk = t + 4 * (p / 2);
                        const std::uint32_t e = metaOf(4 * g + 2 * block + p / 2);
                        const int nibble = int(e >> (16 * (p % 2) + 4 * t)) & 0xF;
                        for (int half = 0; half < 2; ++half)
                            EXPECT_EQ(q4::sparse::keptOffset(low, high, t, p, half), 4 * chunk + ((nibble >> (2 * half)) & 3))
                                << "step " << step << " tile " << tile << " block " << block << " lane " << lane << " p "
                                << p << " half " << half;
                    }
                }
        }
}

// W^T [n][k] in fp16 as expandSparseTransposed computes it, from the layout's streams through
// sparse::metadataIndex and sparse::keptNibble alone: dropped weights exactly 0, kept ones
// scale * (q - z) in fp32 rounded once.
struct ExpandedOnHost {
    std::vector<q4::HalfBits> wt;    // [n][k]
    std::vector<std::uint8_t> kept;  // [n][k]
};

ExpandedOnHost expandOnHost(const q4::SparseFragmentLayout& layout) {
    const std::int64_t n = layout.n, k = layout.k, nTiles = n / 16;
    ExpandedOnHost out{std::vector<q4::HalfBits>(std::size_t(n * k), 0),
                       std::vector<std::uint8_t>(std::size_t(n * k), 0)};
    for (std::int64_t f = 0; f < n; ++f)
        for (std::int64_t r = 0; r < k; ++r) {
            const std::uint32_t meta = layout.metadata[q4::sparse::metadataIndex(f, r, nTiles)];
            const q4::sparse::KeptNibble at = q4::sparse::keptNibble(meta, f, r, nTiles);
            if (!at.kept) continue;
            const int q = int(layout.words[at.word] >> at.shift) & 0xF;
            const std::int64_t group = layout.groupSize > 0 ? r / layout.groupSize : layout.gIdx[std::size_t(r)];
            const std::size_t pair = std::size_t((group * nTiles + f / 16) * 8 + f % 8);
            const int high = int(f % 16 / 8);
            const float scale = q4::halfToFloat(q4::HalfBits(halfOf(layout.scales[pair], high)));
            const float zero = q4::halfToFloat(q4::HalfBits(halfOf(layout.zeros[pair], high))) - 1024.0f;
            const std::size_t wt = std::size_t(f * k + r);
            out.kept[wt] = 1;
            out.wt[wt] = q4::floatToHalf(scale * (float(q) - zero));
        }
    return out;
}

// The pruned layer's dense fp16 W^T: its exact weights rounded once, as cublas_fp16 uploads them.
std::vector<q4::HalfBits> prunedHalfTransposed(const q4::SparseGptqLayer& layer) {
    const std::vector<float> w = q4::dequantizePruned(layer);  // [k, n]
    std::vector<q4::HalfBits> wt(w.size());
    for (std::int64_t r = 0; r < layer.k; ++r)
        for (std::int64_t c = 0; c < layer.n; ++c)
            wt[std::size_t(c * layer.k + r)] = q4::floatToHalf(w[std::size_t(r * layer.n + c)]);
    return wt;
}

TEST(SparseInt4Layout, ElementAddressingExpandsToThePrunedHalfWeights) {
    std::uint64_t seed = 11;  // odd seeds store zeros as V1, even ones as V2
    for (const Shape& s : {Shape{16, 64, -1, false}, Shape{32, 128, 32, false}, Shape{48, 192, 64, false},
                           Shape{64, 256, 128, false}, Shape{144, 320, 64, false}, Shape{32, 128, 16, false},
                           Shape{32, 256, 32, true}, Shape{48, 256, 64, true}, Shape{64, 512, 128, true},
                           Shape{16, 128, 16, true}, Shape{96, 1024, 128, false}, Shape{80, 384, 128, true}}) {
        SCOPED_TRACE(describe(s) + " seed " + std::to_string(seed));
        const q4::LayerData data = sparseLayer(s, seed++);
        ASSERT_TRUE(data.sparse.has_value());
        auto layout = q4::makeSparseFragmentLayout(*data.sparse);
        ASSERT_TRUE(layout) << layout.error();
        const ExpandedOnHost expanded = expandOnHost(*layout);
        const std::vector<q4::HalfBits> want = prunedHalfTransposed(*data.sparse);
        auto mask = q4::keepMaskOf(*data.sparse);
        ASSERT_TRUE(mask) << mask.error();
        const std::int64_t n = s.n, k = s.k;
        std::int64_t kept = 0, nonzero = 0, mismatches = 0;
        for (std::int64_t f = 0; f < n; ++f)
            for (std::int64_t r = 0; r < k; ++r) {
                const std::size_t at = std::size_t(f * k + r);
                kept += expanded.kept[at];
                nonzero += (expanded.wt[at] & 0x7FFFu) != 0;
                if (expanded.kept[at] != (*mask)[std::size_t(r * n + f)] && mismatches++ < 5)
                    ADD_FAILURE() << "feature " << f << " row " << r << ": kept " << int(expanded.kept[at])
                                  << ", the layer " << int((*mask)[std::size_t(r * n + f)]);
                if (expanded.wt[at] != want[at] && mismatches++ < 5)
                    ADD_FAILURE() << "feature " << f << " row " << r << ": expanded 0x" << std::hex << expanded.wt[at]
                                  << ", the layer 0x" << want[at] << std::dec;
            }
        EXPECT_EQ(mismatches, 0);
        EXPECT_EQ(kept, n * k / 2);     // two of every four rows
        EXPECT_GT(nonzero, n * k / 4);  // the kept values were compared, not just the zeros
    }
}

// Bad arguments are refused before any launch, so this needs no GPU.
TEST(SparseInt4Layout, ExpansionRefusesBadArgumentsByName) {
    alignas(16) static std::uint32_t dummy[4];
    alignas(16) static std::uint16_t out[64];
    const q4::SparseWeightsView good{dummy, dummy, dummy, dummy, nullptr, 64, 128, 32};
    auto refusal = [&](q4::SparseWeightsView w, std::int64_t first, std::int64_t features, void* wt) {
        return q4::expandSparseTransposed(w, first, features, wt, nullptr);
    };
    struct Case {
        q4::SparseWeightsView w;
        std::int64_t first, features;
        void* wt;
        const char* field;
        const char* says;
    };
    q4::SparseWeightsView oddN = good, oddK = good, noWords = good, badGroup = good, perRow = good;
    oddN.n = 72;
    oddK.k = 96;
    noWords.words = nullptr;
    badGroup.groupSize = 12;
    perRow.groupSize = 0;
    for (const Case& c :
         {Case{oddN, 0, 16, out, "n", "n=72"}, Case{oddK, 0, 16, out, "k", "k=96"},
          Case{noWords, 0, 16, out, "words", "words"}, Case{badGroup, 0, 16, out, "groupSize", "groupSize=12"},
          Case{perRow, 0, 16, out, "gIdx", "gIdx"}, Case{good, 8, 16, out, "firstFeature", "firstFeature=8"},
          Case{good, 0, 24, out, "features", "features=24"}, Case{good, 48, 32, out, "features", "n=64"},
          Case{good, 0, 16, reinterpret_cast<char*>(out) + 2, "wt", "16-byte"}}) {
        const q4::Status s = refusal(c.w, c.first, c.features, c.wt);
        ASSERT_FALSE(s) << c.field;
        EXPECT_EQ(s.field, c.field) << s.message;
        EXPECT_NE(s.message.find(c.says), std::string::npos) << s.message;
    }
    EXPECT_TRUE(refusal(good, 64, 0, out));  // nothing to expand: no launch
}

// The sparse wgmma takes groups of whole 32-row blocks only: per-row groups (0) and groups under
// 32 rows are refused by name before anything is launched, so no device is needed.
TEST(SparseInt4Layout, SparseWgmmaRefusesGroupsItCannotRunByName) {
    alignas(16) static std::uint32_t dummy[4];
    const q4::WgmmaInt4Runner unprepared;
    for (int groupSize : {0, 16, 48}) {
        const q4::SparseWeightsView w{dummy, dummy, dummy, dummy, nullptr, 64, 128, groupSize};
        const q4::Status s = unprepared.runSparse(w, dummy, dummy, 0, false, nullptr);
        ASSERT_FALSE(s) << groupSize;
        EXPECT_EQ(s.field, "groupSize") << s.message;
        EXPECT_NE(s.message.find("groupSize=" + std::to_string(groupSize)), std::string::npos) << s.message;
    }
}

// On a device: the kernel writes the same bits, one window of features at a time.
TEST(SparseInt4Layout, ExpansionKernelWritesThePrunedHalfWeights) {
    Q4_REQUIRE_GPU();
    q4::test::GpuTestContext gpu;
    std::uint64_t seed = 21;
    for (const Shape& s : {Shape{64, 256, 128, false}, Shape{144, 320, 64, false}, Shape{32, 128, 16, false},
                           Shape{96, 512, 64, true}, Shape{256, 4096, 128, true}, Shape{512, 2048, 128, false}}) {
        SCOPED_TRACE(describe(s));
        const q4::LayerData data = sparseLayer(s, seed++);
        ASSERT_TRUE(data.sparse.has_value());
        auto layout = q4::makeSparseFragmentLayout(*data.sparse);
        ASSERT_TRUE(layout) << layout.error();
        q4::DeviceAllocator allocator;
        auto upload = [&](const auto& v) {
            auto buffer = allocator.upload(v.data(), v.size() * sizeof(v[0]), q4::MemoryUse::Weights);
            EXPECT_TRUE(buffer) << buffer.error();
            return std::move(buffer).value();
        };
        const q4::DeviceBuffer words = upload(layout->words), metadata = upload(layout->metadata),
                               scales = upload(layout->scales), zeros = upload(layout->zeros);
        q4::DeviceBuffer gIdx;
        if (layout->groupSize == 0) gIdx = upload(layout->gIdx);
        const q4::SparseWeightsView view{
            words.data(), metadata.data(),  scales.data(), zeros.data(), gIdx.as<const std::int32_t>(), s.n,
            s.k,          layout->groupSize};
        const std::size_t elements = std::size_t(s.n * s.k);
        auto wt = allocator.allocate(elements * 2, q4::MemoryUse::Workspace);
        ASSERT_TRUE(wt) << wt.error();
        ASSERT_EQ(cudaMemset(wt->data(), 0xFF, elements * 2), cudaSuccess);  // NaNs wherever nothing is written
        // Windows of 16, then 32, ... features, each written at its own rows of W^T.
        for (std::int64_t first = 0, features = 16; first < s.n; first += features, features *= 2) {
            features = std::min(features, s.n - first);
            const q4::Status expanded =
                q4::expandSparseTransposed(view, first, features, wt->as<std::uint16_t>() + first * s.k, gpu.stream());
            ASSERT_TRUE(expanded) << expanded.message;
        }
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);
        std::vector<q4::HalfBits> got(elements);
        ASSERT_EQ(cudaMemcpy(got.data(), wt->data(), elements * 2, cudaMemcpyDeviceToHost), cudaSuccess);
        const std::vector<q4::HalfBits> want = prunedHalfTransposed(*data.sparse);
        std::int64_t mismatches = 0;
        for (std::size_t at = 0; at < elements; ++at)
            if (got[at] != want[at] && mismatches++ < 5)
                ADD_FAILURE() << "feature " << std::int64_t(at) / s.k << " row " << std::int64_t(at) % s.k
                              << ": kernel 0x" << std::hex << got[at] << ", the layer 0x" << want[at] << std::dec;
        EXPECT_EQ(mismatches, 0);
    }
}

TEST(SparseInt4Layout, UnsupportedPointsSayWhy) {
    q4::SweepPoint point;
    point.m = 1;
    point.n = point.k = 4096;
    point.quant.groupSize = 128;
    q4::GpuContext context;
    context.computeCapability = 90;
    const q4::Status dense = q4::sparseInt4Supports(point, context);  // sparsity none
    EXPECT_NE(dense.message.find("2:4"), std::string::npos) << dense.message;
    point.sparsity = q4::Sparsity::Sparse16of32;
    EXPECT_FALSE(q4::sparseInt4Supports(point, context));
    point.sparsity = q4::Sparsity::Sparse2of4;
    EXPECT_TRUE(q4::sparseInt4Supports(point, context));
    point.n = 4104;
    EXPECT_NE(q4::sparseInt4Supports(point, context).message.find("n=4104"), std::string::npos);
    point.n = 4096;
    point.k = 4128;  // a multiple of 32 (2:4's own rule) but not of 64
    EXPECT_NE(q4::sparseInt4Supports(point, context).message.find("k=4128"), std::string::npos);
    point.k = 4096;
    point.quant.groupSize = 16;  // any group: small ones take the per-row path
    EXPECT_TRUE(q4::sparseInt4Supports(point, context));
    context.computeCapability = 75;
    EXPECT_NE(q4::sparseInt4Supports(point, context).message.find("sm_80"), std::string::npos);

    // A 16:32 layer has no 2:4 metadata to rearrange.
    q4::QuantConfig quant;
    auto other = q4::makeLayerData(32, 128, quant, 3, q4::Sparsity::Sparse16of32);
    ASSERT_TRUE(other) << other.error();
    auto layout = q4::makeSparseFragmentLayout(*other->sparse);
    ASSERT_FALSE(layout);
    EXPECT_NE(layout.error().find("2:4"), std::string::npos) << layout.error();
}

TEST(SparseInt4Layout, RegisteredForTwoFourOnlyBeforeBestInt4) {
    const auto& registry = q4::kernelRegistry();
    auto at = [&](const std::string& id) {
        return std::find_if(registry.begin(), registry.end(), [&](const q4::KernelEntry& e) { return e.info.id == id; });
    };
    const auto entry = at("sparse_int4");
    ASSERT_NE(entry, registry.end());
    EXPECT_EQ(entry->info.family, "sparse");
    EXPECT_TRUE(entry->info.ranked);
    EXPECT_FALSE(entry->info.baseline);
    EXPECT_EQ(entry->info.sparsity, std::vector<q4::Sparsity>{q4::Sparsity::Sparse2of4});
    EXPECT_LT(entry - registry.begin(), at("best_int4") - registry.begin());
}

TEST(SparseInt4Layout, PlanFillsTheChipAndCoversK) {
    for (int group : {128, 32, 0})
        for (std::int64_t m : {1, 7, 16, 33, 300})
            for (std::int64_t n : {1024, 5120, 8192, 27648})
                for (std::int64_t k : {1024, 4096, 5120, 11008, 13824}) {
                    SCOPED_TRACE("group " + std::to_string(group) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                                 " k=" + std::to_string(k));
                    const auto plan = q4::planSparseInt4(m, n, k, group, 132);
                    EXPECT_EQ(plan.sliceK % 64, 0);
                    EXPECT_GE(std::int64_t(plan.slices) * plan.sliceK, k);
                    EXPECT_LT(std::int64_t(plan.slices - 1) * plan.sliceK, k);  // no empty slice
                    EXPECT_LE(plan.sharedBytes, 160 * 1024);
                    EXPECT_LE(plan.mPerLaunch, 8 * plan.mTiles);
                    EXPECT_GE(plan.mPerLaunch, std::min<std::int64_t>(m, 32));
                }
    // The decode shape fills at least 90 % of the resident blocks, in one wave.
    const auto plan = q4::planSparseInt4(1, 8192, 8192, 128, 132);
    EXPECT_GE(64.0 * plan.slices / plan.residentSlots, 0.9);
    EXPECT_LE(64 * plan.slices, plan.residentSlots);
}

TEST(SparseInt4Layout, PartialsCoverEveryMUpToThePreparedOne) {
    struct Case {
        std::int64_t n, k;
        int group;
    };
    for (const Case& s : {Case{256, 384, 0}, Case{192, 512, 128}, Case{80, 640, 64}, Case{144, 1024, 32},
                          Case{4096, 4096, 128}, Case{13824, 2048, 0}})
        for (int sms : {108, 132})
            for (std::int64_t maxM : {1, 5, 8, 9, 13, 16, 17, 32, 300}) {
                const std::size_t prepared = q4::sparseInt4PartialFloats(maxM, s.n, s.k, s.group, sms);
                for (std::int64_t m = 1; m <= std::min<std::int64_t>(maxM, 40); ++m)
                    EXPECT_LE(q4::sparseInt4PartialFloats(q4::planSparseInt4(m, s.n, s.k, s.group, sms), s.n), prepared)
                        << "n=" << s.n << " k=" << s.k << " " << sms << " SMs, prepared m=" << maxM << ", m=" << m;
            }
}

}  // namespace
