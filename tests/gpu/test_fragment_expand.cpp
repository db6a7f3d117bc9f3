// best_int4's fp16 expansion in the layer's own k order: every element of W^T matches the
// reference dequantization, with act-order (the columns put back from the sorted order) and
// without, over one block of features and over several.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "cuda/device_memory.h"
#include "gptq/half.h"
#include "gpu_test_support.h"
#include "int4_layout/fragment_dequant.h"
#include "run/problem_data.h"
#include "tc_int4/tc_int4.h"

namespace q4 {
namespace {

struct Shape {
    std::int64_t n, k;
    int group;
    bool actOrder;
};

TEST(FragmentExpand, SourceOrderMatchesTheReferenceWeights) {
    Q4_REQUIRE_GPU();
    // 4112 x 8192 spans two blocks of features (over kDequantChunkBytes); the others one.
    const std::vector<Shape> shapes = {{192, 512, 32, true}, {256, 384, 128, false}, {4112, 8192, 128, true}};
    ASSERT_GT(shapes.back().n, dequantChunkFeatures(shapes.back().n, shapes.back().k));
    test::GpuTestContext gpu;
    for (const Shape& shape : shapes) {
        SCOPED_TRACE("n=" + std::to_string(shape.n) + " k=" + std::to_string(shape.k) +
                     (shape.actOrder ? " act-order" : ""));
        SweepPoint point;
        point.m = 1;
        point.n = shape.n;
        point.k = shape.k;
        point.quant.groupSize = shape.group;
        point.quant.actOrder = shape.actOrder;
        point.quant.symmetric = false;
        auto data = makeLayerData(shape.n, shape.k, point.quant, 0xE7A + std::uint64_t(shape.n));
        ASSERT_TRUE(data) << data.error();

        DeviceAllocator allocator;
        GpuContext context = gpu.context(&allocator);
        TcInt4 tc;
        const Status prepared = tc.prepare(data->layer, point, context);
        ASSERT_TRUE(prepared) << prepared.message;
        ASSERT_EQ(tc.sortOrder().has_value(), shape.actOrder);

        const std::size_t elements = std::size_t(shape.n * shape.k);
        auto wt = allocator.allocate(elements * 2, MemoryUse::Workspace);
        ASSERT_TRUE(wt);
        const std::optional<SortOrder> order = tc.sortOrder();
        const Status expanded =
            expandFragmentsInSourceOrder(tc.weights(), order ? &*order : nullptr, wt->data(), gpu.stream());
        ASSERT_TRUE(expanded) << expanded.message;
        ASSERT_EQ(cudaStreamSynchronize(gpu.stream()), cudaSuccess);
        std::vector<HalfBits> got(elements);
        ASSERT_EQ(cudaMemcpy(got.data(), wt->data(), elements * 2, cudaMemcpyDeviceToHost), cudaSuccess);

        // W^T [n][k] against the reference [k][n]; the kernel rounds the scaled value to fp16 once.
        std::int64_t wrong = 0;
        double worst = 0;
        for (std::int64_t f = 0; f < shape.n; ++f)
            for (std::int64_t c = 0; c < shape.k; ++c) {
                const float want = data->dequantized[std::size_t(c * shape.n + f)];
                const float have = halfToFloat(got[std::size_t(f * shape.k + c)]);
                const double error = std::fabs(double(have) - want);
                worst = std::max(worst, error);
                if (error > 1e-3 * std::fabs(want) + 1e-6 && wrong++ < 3)
                    ADD_FAILURE() << "W^T[" << f << "][" << c << "] = " << have << ", want " << want;
            }
        EXPECT_EQ(wrong, 0) << "worst absolute error " << worst;
    }
}

}  // namespace
}  // namespace q4
