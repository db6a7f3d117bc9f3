// NVML telemetry: readings on a device, and no crash on machines without NVML or a GPU.
#include <gtest/gtest.h>

#include <string>

#include "cuda/nvml_monitor.h"
#include "gpu_test_support.h"

namespace q4 {
namespace {

// Runs everywhere, CI included: without the library or a device, open() gives nullptr.
TEST(NvmlMonitor, OpenNeverCrashes) {
    std::string why;
    auto monitor = NvmlMonitor::open(0, &why);
    if (monitor) {
        const NvmlSnapshot s = monitor->sample();
        if (s.powerWatts) {
            EXPECT_GE(*s.powerWatts, 0.0);
        }
    } else {
        EXPECT_FALSE(why.empty()) << "nullptr without a reason";
    }
    EXPECT_EQ(NvmlMonitor::open(-1), nullptr) << "device -1 does not exist";
}

TEST(NvmlMonitor, ReadsClockAndTemperature) {
    Q4_REQUIRE_GPU();
    std::string why;
    auto monitor = NvmlMonitor::open(0, &why);
    if (!monitor) GTEST_SKIP() << "NVML is not available: " << why;
    const NvmlSnapshot first = monitor->sample();
    ASSERT_TRUE(first.smClockMhz);
    EXPECT_GT(*first.smClockMhz, 0.0);
    ASSERT_TRUE(first.temperatureC);
    EXPECT_GT(*first.temperatureC, 0.0);
    EXPECT_LT(*first.temperatureC, 120.0);
    if (first.powerWatts) {
        EXPECT_GT(*first.powerWatts, 0.0);
    }
    // The energy counter only grows.
    const NvmlSnapshot second = monitor->sample();
    if (first.energyJoules && second.energyJoules) {
        EXPECT_GE(*second.energyJoules, *first.energyJoules);
    }
}

}  // namespace
}  // namespace q4
