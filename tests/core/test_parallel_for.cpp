// parallelFor: its ranges cover [0, count) exactly once, small loops stay on the caller.
// firstIndexWhere: the lowest match, whichever range finds one first.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "common/parallel_for.h"

namespace q4 {
namespace {

TEST(ParallelFor, RangesCoverEveryIndexOnce) {
    for (const std::int64_t count : {1, 7, 1000, 100003}) {
        std::vector<std::atomic<int>> visits(static_cast<std::size_t>(count));
        parallelFor(count, 16, [&](std::int64_t begin, std::int64_t end) {
            ASSERT_LE(0, begin);
            ASSERT_LT(begin, end);
            ASSERT_LE(end, count);
            for (std::int64_t i = begin; i < end; ++i) ++visits[std::size_t(i)];
        });
        for (std::int64_t i = 0; i < count; ++i)
            ASSERT_EQ(visits[std::size_t(i)].load(), 1) << "count " << count << " index " << i;
    }
}

TEST(ParallelFor, ShortLoopsRunOnTheCallingThreadAndEmptyOnesNotAtAll) {
    const std::thread::id caller = std::this_thread::get_id();
    int calls = 0;
    parallelFor(10, 100, [&](std::int64_t begin, std::int64_t end) {
        ++calls;
        EXPECT_EQ(std::this_thread::get_id(), caller);
        EXPECT_EQ(begin, 0);
        EXPECT_EQ(end, 10);
    });
    EXPECT_EQ(calls, 1);
    parallelFor(0, 1, [&](std::int64_t, std::int64_t) { ++calls; });
    EXPECT_EQ(calls, 1);
}

TEST(ParallelFor, RangesAreAtLeastTheMinimumLong) {
    std::mutex lock;
    std::vector<std::int64_t> lengths;
    parallelFor(1000, 300, [&](std::int64_t begin, std::int64_t end) {
        std::lock_guard<std::mutex> guard(lock);
        lengths.push_back(end - begin);
    });
    std::int64_t total = 0;
    for (std::int64_t length : lengths) {
        EXPECT_GE(length, 300);
        total += length;
    }
    EXPECT_EQ(total, 1000);
    EXPECT_LE(lengths.size(), 3u);
}

TEST(ParallelFor, FirstIndexWhereIsTheLowestMatch) {
    // Matches in every range (the last ranges' matches sit at their starts, found at once).
    const std::int64_t count = 1 << 20;
    EXPECT_EQ(firstIndexWhere(count, 1024, [](std::int64_t i) { return i >= 700000 || i % 99991 == 99990; }), 99990);
    EXPECT_EQ(firstIndexWhere(count, 1024, [](std::int64_t i) { return i == count - 1; }), count - 1);
    EXPECT_EQ(firstIndexWhere(count, 1024, [](std::int64_t) { return true; }), 0);
    EXPECT_EQ(firstIndexWhere(count, 1024, [](std::int64_t) { return false; }), -1);
    EXPECT_EQ(firstIndexWhere(0, 1, [](std::int64_t) { return true; }), -1);
}

}  // namespace
}  // namespace q4
