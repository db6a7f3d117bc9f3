// The CPU sparse reference product, read from the compressed form, against the dense reference
// product of the pruned weights.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sparse_test_data.h"
#include "sparsity/prune.h"
#include "sparsity/sparse_gptq_layer.h"

namespace q4 {
namespace {

using q4test::randomMatrix;

SparseGptqLayer sparseLayer(std::int64_t k, std::int64_t n, Sparsity sparsity, const QuantConfig& config,
                            std::uint32_t seed) {
    const std::vector<float> w = randomMatrix(k, n, seed);
    const KeepMask mask = *magnitudeMask(w, k, n, sparsity);
    const std::vector<std::int32_t> gIdx =
        config.actOrder ? actOrderGroupIndex(k, config.groupSize, seed) : std::vector<std::int32_t>{};
    auto dense = quantizePruned(w, k, n, config, mask, sparsity, gIdx);
    EXPECT_TRUE(dense) << dense.error();
    auto sparse = compressPruned(*dense, mask, sparsity);
    EXPECT_TRUE(sparse) << sparse.error();
    return *sparse;
}

struct Shape {
    std::int64_t k, n;
    int groupSize;
    bool symmetric, actOrder;
};

TEST(SparsityReference, MatchesTheDenseProductOfThePrunedWeights) {
    const Shape shapes[] = {{64, 8, 32, false, false}, {256, 24, 64, true, true}, {128, 40, -1, false, true}};
    std::uint32_t seed = 200;
    for (const Shape& shape : shapes)
        for (Sparsity sparsity : {Sparsity::Sparse16of32, Sparsity::Sparse2of4}) {
            QuantConfig config;
            config.groupSize = shape.groupSize;
            config.symmetric = shape.symmetric;
            config.actOrder = shape.actOrder;
            config.zeroFormat = seed % 2 ? ZeroFormat::V1 : ZeroFormat::V2;
            const SparseGptqLayer layer = sparseLayer(shape.k, shape.n, sparsity, config, seed++);
            const std::vector<float> w = dequantizePruned(layer);
            for (std::int64_t m : {1, 3, 7}) {
                SCOPED_TRACE(std::string(nameOf(sparsity)) + " k=" + std::to_string(shape.k) +
                             " n=" + std::to_string(shape.n) + " m=" + std::to_string(m));
                const std::vector<float> a = randomMatrix(m, shape.k, seed++);
                const std::vector<float> c = sparseReferenceProduct(a, m, layer);
                const std::vector<float> ref = referenceProduct(a, m, w, shape.k, shape.n);
                ASSERT_EQ(c.size(), std::size_t(m * shape.n));
                ASSERT_EQ(ref.size(), c.size());
                EXPECT_LT(relativeError(c, ref), 1e-6);
                EXPECT_GT(relativeError(std::vector<float>(c.size(), 0.0f), ref), 0.5);  // ref is not zero
            }
        }
}

TEST(SparsityReference, DiffersFromTheUnprunedProduct) {
    // The dropped weights really are left out: the dense quantized layer gives another product.
    const std::int64_t m = 3, k = 128, n = 16;
    const std::vector<float> w = randomMatrix(k, n, 300);
    QuantConfig config;
    config.groupSize = 32;
    auto dense = quantizeRtn(w, k, n, config);
    ASSERT_TRUE(dense) << dense.error();
    const KeepMask mask = *magnitudeMask(w, k, n, Sparsity::Sparse2of4);
    auto sparse = compressPruned(*dense, mask, Sparsity::Sparse2of4);
    ASSERT_TRUE(sparse) << sparse.error();

    const std::vector<float> a = randomMatrix(m, k, 301);
    const std::vector<float> c = sparseReferenceProduct(a, m, *sparse);
    EXPECT_LT(relativeError(c, referenceProduct(a, m, applyMask(dequantize(*dense), mask), k, n)), 1e-6);
    EXPECT_GT(relativeError(c, referenceProduct(a, m, dequantize(*dense), k, n)), 0.05);
}

TEST(SparsityReference, EmptyOnMismatchedActivations) {
    QuantConfig config;
    config.groupSize = 32;
    const SparseGptqLayer layer = sparseLayer(64, 8, Sparsity::Sparse2of4, config, 400);
    EXPECT_TRUE(sparseReferenceProduct(randomMatrix(2, 63, 401), 2, layer).empty());
    EXPECT_TRUE(sparseReferenceProduct(randomMatrix(2, 64, 402), 3, layer).empty());
    EXPECT_TRUE(sparseReferenceProduct({}, -1, layer).empty());
    EXPECT_TRUE(sparseReferenceProduct({}, 0, layer).empty());  // m = 0: a valid, empty product
}

}  // namespace
}  // namespace q4
