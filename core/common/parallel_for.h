#pragma once
// Splits [0, count) into contiguous ranges, one per hardware thread, for host loops over large
// layers whose iterations are independent (dequantizing, pruning, compressing a model's weights).
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace q4 {

// Weights of a layer worth a thread of their own in such loops (about a millisecond of work).
constexpr std::int64_t kParallelElements = std::int64_t(1) << 20;

// Calls body(begin, end) on disjoint ranges covering [0, count): on the calling thread alone when
// count is under 2 * minPerRange or there is one hardware thread, else on one thread per range
// (at most the hardware threads, each range at least minPerRange long). Returns when all ended.
template <class Body>
void parallelFor(std::int64_t count, std::int64_t minPerRange, Body&& body) {
    const auto hardware = std::int64_t(std::max(1u, std::thread::hardware_concurrency()));
    const std::int64_t ranges = std::min(hardware, count / std::max<std::int64_t>(minPerRange, 1));
    if (ranges <= 1) {
        if (count > 0) body(std::int64_t(0), count);
        return;
    }
    std::vector<std::thread> threads;
    threads.reserve(std::size_t(ranges - 1));
    try {
        for (std::int64_t i = 1; i < ranges; ++i)
            threads.emplace_back([&body, count, ranges, i] { body(count * i / ranges, count * (i + 1) / ranges); });
    } catch (...) {  // no thread to be had: join those started, then report it
        for (std::thread& t : threads) t.join();
        throw;
    }
    body(std::int64_t(0), count / ranges);
    for (std::thread& t : threads) t.join();
}

// The lowest i in [0, count) with found(i), or -1: ranges searched in parallel, each stopping at
// its first find, so the answer is the one a serial scan gives (and a message naming it the same).
template <class Predicate>
std::int64_t firstIndexWhere(std::int64_t count, std::int64_t minPerRange, const Predicate& found) {
    std::int64_t first = -1;
    std::mutex guard;
    parallelFor(count, minPerRange, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
            if (found(i)) {
                const std::lock_guard<std::mutex> lock(guard);
                if (first < 0 || i < first) first = i;
                return;
            }
    });
    return first;
}

}  // namespace q4
