// Fusing projections at load changes launches, not results: the fused tensors are the separate
// ones side by side, and act-order layers with different g_idx stay apart.
#include <gtest/gtest.h>

#include "model/cpu_decoder.h"
#include "model/fuse_projections.h"
#include "sweep/presets.h"

namespace {

std::vector<q4::DecoderLinear> block(const std::string& preset, bool actOrder, std::uint64_t seed = 5) {
    auto weights = q4::makeRandomWeights(q4::presetArchitecture(preset).value(), preset, {128, actOrder, seed});
    EXPECT_TRUE(weights);
    auto linears = (*weights)->blockLinears(1);
    EXPECT_TRUE(linears);
    return linears.value();
}

TEST(FuseProjections, FusedTensorsDequantizeToTheSeparateColumnsSideBySide) {
    const auto separate = block("tiny-llama", false);
    const auto fused = q4::fuseProjections(separate);
    ASSERT_EQ(fused.size(), 4u);
    EXPECT_EQ(fused[0].name, "qkv_proj");
    EXPECT_EQ(fused[1].name, "o_proj");
    EXPECT_EQ(fused[2].name, "gate_up_proj");
    EXPECT_EQ(fused[3].name, "down_proj");
    const auto check = [](const q4::GptqLayer& whole, const std::vector<const q4::GptqLayer*>& parts) {
        const std::vector<float> w = q4::dequantize(whole);
        std::int64_t column = 0;
        for (const q4::GptqLayer* part : parts) {
            const std::vector<float> p = q4::dequantize(*part);
            for (std::int64_t r = 0; r < part->k; ++r)
                for (std::int64_t c = 0; c < part->n; ++c)
                    ASSERT_EQ(w[std::size_t(r * whole.n + column + c)], p[std::size_t(r * part->n + c)]);
            column += part->n;
        }
        EXPECT_EQ(column, whole.n);
    };
    check(fused[0].layer, {&separate[0].layer, &separate[1].layer, &separate[2].layer});
    check(fused[2].layer, {&separate[4].layer, &separate[5].layer});
}

TEST(FuseProjections, ActOrderLayersWithTheirOwnGroupIndexStayApart) {
    const auto separate = block("tiny-llama", true);
    ASSERT_NE(separate[0].layer.gIdx, separate[1].layer.gIdx);
    const auto fused = q4::fuseProjections(separate);
    EXPECT_EQ(fused.size(), separate.size());
    EXPECT_FALSE(q4::canFuseColumns({&separate[0].layer}));
}

}  // namespace
