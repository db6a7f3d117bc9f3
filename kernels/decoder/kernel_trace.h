#pragma once
// The device's own start and end time of every kernel, memset and copy in a stretch of GPU work,
// from CUPTI's activity records. Nothing is added to the stream, so a traced CUDA graph replays
// as it does untraced (event-record nodes between components serialize the graph and lengthened a
// 13B decode step by a fifth). Built in where the toolkit has CUPTI (Q4BENCH_HAVE_CUPTI); without
// it, or where CUPTI refuses (another profiler holds it), begin() fails and callers fall back to
// events.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/expected.h"

namespace q4 {

struct TracedOp {
    std::uint64_t startNs = 0, endNs = 0;  // device timestamps
    std::uint32_t correlationId = 0;       // the launch call's (one per graph launch)
};

struct Trace {
    std::vector<TracedOp> ops;  // ordered by start
    // Correlation id -> the tag that was set on the launching thread (KernelTrace::tag).
    std::unordered_map<std::uint32_t, std::uint64_t> tags;
};

// One trace at a time per process (CUPTI's activity buffers are process-wide).
class KernelTrace {
public:
    KernelTrace() = default;
    KernelTrace(const KernelTrace&) = delete;
    KernelTrace& operator=(const KernelTrace&) = delete;
    ~KernelTrace();

    static bool builtIn();
    Status begin();
    // Drops what was recorded so far (work already finished: synchronize first).
    Status discard();
    // Stops tracing and returns the ops of finished work since begin() or the last discard().
    Expected<Trace> end();

    // Tags the launches that follow on this thread with id, until the next tag() or untag().
    // Only direct launches: every kernel of a graph launch carries the graph launch's tag.
    static Status tag(std::uint64_t id);
    static void untag();

private:
    bool active_ = false;
};

}  // namespace q4
