// best_int4's measured choice: the m buckets it chooses for, the cache, and on a device a sweep
// whose records name a timed path and validate at m values no rule was tuned on.
#include <gtest/gtest.h>

#include "backend/backend_registry.h"
#include "best_int4/path_choice.h"
#include "gpu_test_support.h"
#include "run/runner.h"

namespace q4 {
namespace {

TEST(BestInt4Choice, BucketsArePowersOfTwoBelowTheMaximumAndTheMaximum) {
    EXPECT_EQ(pathChoiceBuckets(1), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(pathChoiceBuckets(8), (std::vector<std::int64_t>{1, 2, 4, 8}));
    EXPECT_EQ(pathChoiceBuckets(777), (std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 777}));
}

TEST(BestInt4Choice, TheCacheKeepsOneChoicePerKey) {
    PathChoiceKey key{1, 1, 4096, 1024, 128, false, false, 64};  // no device has this: nothing cached it
    PathChoiceKey other = key;
    other.m = 128;
    EXPECT_FALSE(cachedPathChoice(key).has_value());
    cachePathChoice(key, BestInt4Path::Wgmma);
    cachePathChoice(other, BestInt4Path::Fp16Cublas);
    ASSERT_TRUE(cachedPathChoice(key).has_value());
    EXPECT_EQ(*cachedPathChoice(key), BestInt4Path::Wgmma);
    EXPECT_EQ(*cachedPathChoice(other), BestInt4Path::Fp16Cublas);
    other.actOrder = true;
    EXPECT_FALSE(cachedPathChoice(other).has_value());
}

TEST(BestInt4Choice, RecordsNameATimedPathAndValidateOffPreset) {
    Q4_REQUIRE_GPU();
    auto backend = BackendRegistry::instance().create("cuda", 0);
    ASSERT_TRUE(backend) << backend.error();
    SweepSpec spec;
    spec.m = {1, 3, 13, 77, 300, 777};
    spec.n = {2560};
    spec.k = {1536};
    spec.actOrder = YesNoBoth::Both;
    spec.kernels = {"best_int4"};
    spec.timing = TimingOptions{1, 3, 0.0, 0.5, 2.0, L2Mode::Cold, false};
    auto result = runSweep(*backend.value(), spec, RunOptions{}, RunCallbacks{}, CancelToken{});
    ASSERT_TRUE(result) << result.error();
    ASSERT_EQ(result->records.size(), 12u);
    for (const Record& r : result->records) {
        SCOPED_TRACE("m=" + std::to_string(r.m) + (r.actOrder ? " act-order" : ""));
        EXPECT_EQ(r.status, RecordStatus::Ok) << r.message;
        EXPECT_NE(r.path.find("(timed at prepare)"), std::string::npos) << r.path;
        std::printf("best_int4 m=%lld%s: %s, %.2f us\n", static_cast<long long>(r.m), r.actOrder ? " act-order" : "",
                    r.path.c_str(), r.time.median * 1e6);
    }
}

}  // namespace
}  // namespace q4
