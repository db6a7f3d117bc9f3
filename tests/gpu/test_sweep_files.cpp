// The sweep files shipped in resources/sweeps parse and expand against the CUDA kernel catalog.
// Runs without a GPU: nothing here touches a device.
#include <gtest/gtest.h>

#include <filesystem>

#include "backend/backend_registry.h"
#include "io/json_io.h"
#include "sweep/sweep_expand.h"

namespace {

TEST(SweepFiles, EveryShippedSweepExpands) {
    const std::filesystem::path folder = std::filesystem::path(Q4BENCH_SOURCE_DIR) / "resources" / "sweeps";
    std::vector<std::string> known;
    const q4::BackendFactory* cuda = q4::BackendRegistry::instance().find("cuda");
    ASSERT_NE(cuda, nullptr) << "the CUDA backend registers itself in a CUDA build";
    for (const auto& kernel : cuda->kernels()) known.push_back(kernel.id);
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.path().extension() != ".json") continue;
        ++files;
        SCOPED_TRACE(entry.path().string());
        auto spec = q4::readSweepSpecFile(entry.path().string());
        ASSERT_TRUE(spec.ok()) << spec.error();
        auto points = q4::expandSweep(spec.value(), known, 0);
        ASSERT_TRUE(points.ok()) << points.error();
        EXPECT_FALSE(points->empty());
    }
    EXPECT_GE(files, 2);
}

}  // namespace
