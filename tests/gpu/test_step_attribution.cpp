// How a traced step divides among components: busy time per component, idle time as gaps,
// overlapping (programmatically launched) ops counted once; and the labels of a captured chain.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include "decoder/step_attribution.h"
#include "gpu_test_support.h"

namespace q4 {
namespace {

const std::vector<std::string> kOrder = {"norms", "attention", "lm_head", "gaps"};

double secondsOf(const StepProfile& p, const std::string& name) {
    for (const ComponentTime& c : p.components)
        if (c.name == name) return c.seconds;
    return -1;
}

TEST(StepAttribution, BusyTimeGoesToComponentsIdleTimeToGaps) {
    // norms 0-10, idle 10-15, attention 15-40 overlapping a second attention op 30-45, lm_head 45-60.
    const std::vector<TracedOp> ops = {{0, 10000, 0}, {15000, 40000, 0}, {30000, 45000, 0}, {45000, 60000, 0}};
    const std::vector<std::string> names = {"norms", "attention", "lm_head"};
    auto p = attributeOps(ops, {0, 1, 1, 2}, names, kOrder);
    ASSERT_TRUE(p) << p.error();
    EXPECT_NEAR(p->stepSeconds, 60e-6, 1e-12);
    EXPECT_NEAR(secondsOf(*p, "norms"), 10e-6, 1e-12);
    EXPECT_NEAR(secondsOf(*p, "attention"), 30e-6, 1e-12);  // 15-45, the overlap once
    EXPECT_NEAR(secondsOf(*p, "lm_head"), 15e-6, 1e-12);
    EXPECT_NEAR(secondsOf(*p, "gaps"), 5e-6, 1e-12);
    double sum = 0;
    for (const ComponentTime& c : p->components) sum += c.seconds;
    EXPECT_NEAR(sum, p->stepSeconds, 1e-12);
}

TEST(StepAttribution, AnOpInsideAnEarlierOneAddsNothing) {
    const std::vector<TracedOp> ops = {{0, 50000, 0}, {10000, 20000, 0}};
    auto p = attributeOps(ops, {0, 1}, {"norms", "attention"}, kOrder);
    ASSERT_TRUE(p) << p.error();
    EXPECT_NEAR(secondsOf(*p, "norms"), 50e-6, 1e-12);
    EXPECT_EQ(secondsOf(*p, "attention"), 0.0);
    EXPECT_NEAR(p->stepSeconds, 50e-6, 1e-12);
}

TEST(StepAttribution, MismatchesAreErrors) {
    const std::vector<TracedOp> ops = {{0, 10, 0}, {10, 20, 0}};
    EXPECT_FALSE(attributeOps(ops, {0}, {"norms"}, kOrder));                   // count
    EXPECT_FALSE(attributeOps(ops, {0, 3}, {"norms", "attention"}, kOrder));  // no such mark
    EXPECT_FALSE(attributeOps(ops, {0, 1}, {"norms", "mystery"}, kOrder));    // not a component
    EXPECT_FALSE(attributeOps({}, {}, {"norms"}, kOrder));                     // nothing traced
}

// A chain captured as memset, copy (mark 1 before it), copy, memset (mark 2 before it).
TEST(StepAttribution, GraphOpsTakeTheMarkInForce) {
    Q4_REQUIRE_GPU();
    cudaStream_t stream = nullptr;
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
    int* x = nullptr;
    ASSERT_EQ(cudaMalloc(&x, 2 * sizeof(int)), cudaSuccess);
    const auto lastNode = [&]() -> cudaGraphNode_t {
        cudaStreamCaptureStatus status{};
        const cudaGraphNode_t* last = nullptr;
        std::size_t count = 0;
        EXPECT_EQ(cudaStreamGetCaptureInfo(stream, &status, nullptr, nullptr, &last, nullptr, &count), cudaSuccess);
        return count == 1 ? last[0] : nullptr;
    };
    std::vector<cudaGraphNode_t> boundaries;
    ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), cudaSuccess);
    boundaries.push_back(lastNode());  // mark 0: nothing captured yet
    cudaMemsetAsync(x, 0, sizeof(int), stream);
    boundaries.push_back(lastNode());  // mark 1
    cudaMemcpyAsync(x + 1, x, sizeof(int), cudaMemcpyDeviceToDevice, stream);
    cudaMemcpyAsync(x, x + 1, sizeof(int), cudaMemcpyDeviceToDevice, stream);
    boundaries.push_back(lastNode());  // mark 2
    cudaMemsetAsync(x, 0, sizeof(int), stream);
    cudaGraph_t graph = nullptr;
    ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    EXPECT_EQ(boundaries[0], nullptr);

    auto marks = marksOfGraphOps(graph, boundaries);
    ASSERT_TRUE(marks) << marks.error();
    EXPECT_EQ(*marks, (std::vector<std::size_t>{0, 1, 1, 2}));
    cudaGraphDestroy(graph);
    cudaFree(x);
    cudaStreamDestroy(stream);
}

}  // namespace
}  // namespace q4
