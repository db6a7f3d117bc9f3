// The tc_int4 fragment layout, checked on the host (no GPU needed): every nibble lands where the
// mma fragment mapping says, scales and zeros pair up per lane, and act-order sorts groups.
#include <gtest/gtest.h>

#include <algorithm>

#include "cuda/kernel_entries.h"
#include "gemv_int4/gemv_int4.h"
#include "int4_layout/fragment_dequant.h"
#include "int4_layout/fragment_layout.h"
#include "run/problem_data.h"
#include "tc_int4/tc_int4.h"
#include "wgmma_int4/wgmma_int4.h"

namespace {

q4::LayerData layer(std::int64_t n, std::int64_t k, int group, bool actOrder) {
    q4::QuantConfig quant;
    quant.groupSize = group;
    quant.actOrder = actOrder;
    quant.symmetric = false;
    auto data = q4::makeLayerData(n, k, quant, 99);
    EXPECT_TRUE(data.ok()) << data.error();
    return std::move(data).value();
}

TEST(TcInt4Layout, EveryNibbleMatchesTheCheckpoint) {
    for (bool actOrder : {false, true}) {
        const auto data = layer(48, 192, 64, actOrder);
        auto layout = q4::makeFragmentLayout(data.layer);
        ASSERT_TRUE(layout.ok()) << layout.error();
        EXPECT_EQ(layout->permutation.empty(), !actOrder);
        const auto q = q4::unpackWeights(data.layer.qweight, 192, 48);
        for (std::int64_t sorted = 0; sorted < 192; ++sorted) {
            const std::int64_t row = actOrder ? layout->permutation[std::size_t(sorted)] : sorted;
            if (actOrder) EXPECT_EQ(data.layer.gIdx[std::size_t(row)], sorted / 64);
            for (std::int64_t col = 0; col < 48; ++col)
                ASSERT_EQ(q4::fragmentNibble(*layout, sorted, col), q[std::size_t(row * 48 + col)])
                    << "row " << row << " col " << col;
        }
    }
}

TEST(TcInt4Layout, LaneZeroOfFirstTileHoldsItsFragmentNibbles) {
    // Hand-checked against the PTX m16n8k16 A-fragment table: lane 0 (g=0, t=0) holds
    // a0=(n0,k0|k1) a1=(n8,k0|k1) a2=(n0,k8|k9) a3=(n8,k8|k9) at bits 0/16, 4/20, 8/24, 12/28.
    const auto data = layer(16, 64, -1, false);
    auto layout = q4::makeFragmentLayout(data.layer);
    ASSERT_TRUE(layout.ok());
    const auto q = q4::unpackWeights(data.layer.qweight, 64, 16);
    auto nib = [&](int row, int col) { return std::uint32_t(q[std::size_t(row * 16 + col)]); };
    const std::uint32_t expected = nib(0, 0) | nib(1, 0) << 16 | nib(0, 8) << 4 | nib(1, 8) << 20 | nib(8, 0) << 8 |
                                   nib(9, 0) << 24 | nib(8, 8) << 12 | nib(9, 8) << 28;
    EXPECT_EQ(layout->words[0], expected);
}

TEST(TcInt4Layout, ScalesAndZerosPairColumnsEightApart) {
    const auto data = layer(32, 128, 32, false);
    auto layout = q4::makeFragmentLayout(data.layer);
    ASSERT_TRUE(layout.ok());
    // group 2, n tile 1, lane 3: columns 16 + 3 and 16 + 11.
    const std::uint32_t s = layout->scales[(2 * 2 + 1) * 8 + 3];
    EXPECT_EQ(s & 0xFFFF, data.layer.scales[2 * 32 + 19]);
    EXPECT_EQ(s >> 16, data.layer.scales[2 * 32 + 27]);
    const std::uint32_t z = layout->zeros[(2 * 2 + 1) * 8 + 3];
    EXPECT_EQ(q4::halfToFloat(q4::HalfBits(z & 0xFFFF)), 1024.0f + float(q4::zeroPoint(data.layer, 2, 19)));
}

TEST(TcInt4Layout, UnsupportedShapesSayWhy) {
    EXPECT_NE(q4::fragmentLayoutSupports(4104, 4096, 128).message.find("n=4104"), std::string::npos);
    EXPECT_NE(q4::fragmentLayoutSupports(4096, 4160 + 8, 8).message.find("k=4168"), std::string::npos);
    EXPECT_NE(q4::fragmentLayoutSupports(4096, 4096, 8).message.find("group size 8"), std::string::npos);
    // Groups change only between pairs of k tiles: a multiple of 16 is not enough.
    EXPECT_NE(q4::fragmentLayoutSupports(4096, 4096, 48).message.find("group size 48 is not a multiple of 32"),
              std::string::npos);
    EXPECT_TRUE(q4::fragmentLayoutSupports(4096, 4160, -1).ok());
}

TEST(TcInt4Layout, PlanFillsTheChipAndCoversK) {
    for (std::int64_t m : {1, 7, 16, 33, 64, 300})
        for (std::int64_t n : {1024, 5120, 8192, 15360, 27648})
            for (std::int64_t k : {4096, 5120, 8192, 11008, 13824}) {
                SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k));
                const auto plan = q4::planTcInt4(m, n, k, 128, 132);
                EXPECT_EQ(plan.sliceK % 64, 0);
                EXPECT_GE(std::int64_t(plan.slices) * plan.sliceK, k);
                EXPECT_LT(std::int64_t(plan.slices - 1) * plan.sliceK, k);  // no empty slice
                EXPECT_LE(plan.sharedBytes, 200 * 1024);
                EXPECT_LE(plan.mPerLaunch, 8 * plan.mTiles);
                EXPECT_GE(plan.mPerLaunch, std::min<std::int64_t>(m, 32));
            }
    // The decode shape fills at least 90 % of the resident blocks, in one wave.
    const auto plan = q4::planTcInt4(1, 8192, 8192, 128, 132);
    EXPECT_GE(64.0 * plan.slices / plan.residentSlots, 0.9);
    EXPECT_LE(64 * plan.slices, plan.residentSlots);
    // A wide, short layer: slices no shorter than the 4-step weight pipeline (4 of 512, one wave),
    // not 32 one-step slices over 7 waves.
    const auto wide = q4::planTcInt4(1, 13824, 2048, 128, 132);
    EXPECT_EQ(wide.slices, 4);
    EXPECT_EQ(wide.sliceK, 512);
}

TEST(TcInt4Layout, PartialsCoverEveryMUpToThePreparedOne) {
    // A k that splits at one and two m tiles but not at four: the two-tile split's 16 rows write
    // the most (sized by its fewest, 9 rows, m = 10..16 wrote past the partials).
    EXPECT_EQ(q4::planTcInt4(13, 256, 384, -1, 132).slices, 2);
    EXPECT_EQ(q4::planTcInt4(17, 256, 384, -1, 132).slices, 1);
    struct Shape {
        std::int64_t n, k;
        int group;
    };
    for (const Shape& s : {Shape{256, 384, -1}, Shape{192, 512, 128}, Shape{80, 640, 128}, Shape{144, 1024, 32},
                           Shape{4096, 4096, 128}, Shape{13824, 2048, 128}})
        for (int sms : {108, 132})
            for (std::int64_t maxM : {1, 5, 8, 9, 13, 16, 17, 32, 300, 4097}) {
                const std::size_t prepared = q4::tcInt4PartialFloats(maxM, s.n, s.k, s.group, sms);
                for (std::int64_t m = 1; m <= std::min<std::int64_t>(maxM, 40); ++m)
                    EXPECT_LE(q4::tcInt4PartialFloats(q4::planTcInt4(m, s.n, s.k, s.group, sms), s.n), prepared)
                        << "n=" << s.n << " k=" << s.k << " " << sms << " SMs, prepared m=" << maxM << ", m=" << m;
            }
}

TEST(WgmmaInt4, OtherDevicesAreToldWhy) {
    q4::SweepPoint point;
    point.m = 64;
    point.n = point.k = 4096;
    point.quant.groupSize = 128;
    q4::GpuContext context;
    context.computeCapability = 80;
    const q4::Status ampere = q4::wgmmaInt4Supports(point, context);
    EXPECT_FALSE(ampere.ok());
    EXPECT_NE(ampere.message.find("compute capability 9.0"), std::string::npos) << ampere.message;
    EXPECT_NE(ampere.message.find("this device has 8.0"), std::string::npos) << ampere.message;
    context.computeCapability = 90;
    EXPECT_TRUE(q4::wgmmaInt4Supports(point, context).ok());
    point.quant.groupSize = 48;  // the layout's own rule still applies
    EXPECT_NE(q4::wgmmaInt4Supports(point, context).message.find("group size 48"), std::string::npos);
}

TEST(WgmmaInt4, PlanFillsTheChipAndCoversK) {
    for (std::int64_t m : {1, 17, 64, 129, 512, 2576})
        for (std::int64_t n : {4144, 8192, 27648})
            for (std::int64_t k : {4096, 4160, 13824}) {
                SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k));
                const auto plan = q4::planWgmmaInt4(m, n, k, 132);
                EXPECT_EQ(plan.sliceK % 64, 0);
                EXPECT_GE(std::int64_t(plan.slices) * plan.sliceK, k);
                EXPECT_LT(std::int64_t(plan.slices - 1) * plan.sliceK, k);  // no empty slice
                EXPECT_GE(std::int64_t(plan.rowTiles) * plan.rowsPerTile, m);
                if (m > 128) EXPECT_EQ(plan.rowsPerTile, 256);  // the widest wgmma from m = 129 up
                if (std::int64_t(plan.rowTiles) * plan.nBlocks >= 132) EXPECT_EQ(plan.slices, 1);  // tiles fill a wave
            }
}

// gemv_int4 takes as many warps per 16 features as keep all n / 16 blocks resident at once on
// 132 SMs (64 registers a thread: 32 warps an SM), and never more warps than k64 steps.
TEST(GemvInt4, PlanKeepsOneWaveAndSplitsKAcrossWarps) {
    struct Case {
        std::int64_t n, k;
        int warps;
    };
    // 512 blocks of 8 warps: 4 an SM; 320 of 10: 3 an SM; 1728 of 2: 16 an SM; 4 steps: 4 warps.
    for (const Case c : {Case{8192, 8192, 8}, Case{5120, 5120, 10}, Case{27648, 5120, 2}, Case{64, 256, 4}}) {
        SCOPED_TRACE("n=" + std::to_string(c.n) + " k=" + std::to_string(c.k));
        const auto plan = q4::planGemvInt4(c.n, c.k, 132);
        EXPECT_EQ(plan.blocks, c.n / 16);
        EXPECT_EQ(plan.warps, c.warps);
        EXPECT_GT(plan.sharedBytes, 0);
    }
}

// best_int4's large-m path expands W^T a block of features at a time, each within 64 MiB.
TEST(BestInt4, DequantizeBlocksStayWithinTheirBudget) {
    struct Case {
        std::int64_t n, k, features;
    };
    // 8192 x 8192: 128 MiB in two blocks; 4096 x 4096: one; 27648 x 5120: 270 MiB in five of
    // 5536 features (54 MiB each); a row wider than the budget still gets 16 features.
    for (const Case c : {Case{8192, 8192, 4096}, Case{4096, 4096, 4096}, Case{27648, 5120, 5536}, Case{64, 1 << 26, 16}}) {
        SCOPED_TRACE("n=" + std::to_string(c.n) + " k=" + std::to_string(c.k));
        const std::int64_t features = q4::dequantChunkFeatures(c.n, c.k);
        EXPECT_EQ(features, c.features);
        EXPECT_EQ(features % 16, 0);
        if (features > 16) EXPECT_LE(features * c.k * 2, q4::kDequantChunkBytes);
    }
}

TEST(GemvInt4, LargerMIsToldWhy) {
    const auto& registry = q4::kernelRegistry();
    const auto gemv = std::find_if(registry.begin(), registry.end(), [](const q4::KernelEntry& e) { return e.info.id == "gemv_int4"; });
    ASSERT_NE(gemv, registry.end());
    q4::SweepPoint point;
    point.m = 9;
    point.n = 4096;
    point.k = 4096;
    point.quant.groupSize = 128;
    const q4::Status s = gemv->supports(point, q4::GpuContext{});
    ASSERT_FALSE(s);
    EXPECT_NE(s.message.find("m=9 is above 8"), std::string::npos) << s.message;
}

}  // namespace
