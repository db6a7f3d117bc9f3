#include "decoder/kernel_trace.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>

#include "cuda/cuda_check.h"

#ifdef Q4BENCH_HAVE_CUPTI
#include <cupti.h>
#endif

namespace q4 {

#ifdef Q4BENCH_HAVE_CUPTI
namespace {

constexpr std::size_t kBufferBytes = std::size_t(8) << 20;
constexpr CUpti_ExternalCorrelationKind kTagKind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0;
const CUpti_ActivityKind kKinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMSET,
                                     CUPTI_ACTIVITY_KIND_MEMCPY, CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION};

// What CUPTI's completed buffers held, gathered under one lock (CUPTI may call from its own thread).
struct Collected {
    std::mutex mutex;
    Trace trace;
    std::size_t dropped = 0;
};

Collected& collected() {
    static Collected c;
    return c;
}

Status cuptiStatus(CUptiResult result, const char* what) {
    if (result == CUPTI_SUCCESS) return Status::success();
    const char* text = nullptr;
    cuptiGetResultString(result, &text);
    return Status::failure(std::string("CUPTI ") + what + ": " + (text ? text : "unknown error"));
}

void CUPTIAPI bufferRequested(uint8_t** buffer, size_t* size, size_t* maxRecords) {
    *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;
    *maxRecords = 0;
}

void keep(Trace& trace, const CUpti_Activity* record) {
    switch (record->kind) {
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
            const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
            trace.ops.push_back({k->start, k->end, k->correlationId});
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMSET: {
            const auto* m = reinterpret_cast<const CUpti_ActivityMemset4*>(record);
            trace.ops.push_back({m->start, m->end, m->correlationId});
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMCPY: {
            const auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(record);
            trace.ops.push_back({m->start, m->end, m->correlationId});
            break;
        }
        case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
            const auto* e = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(record);
            if (e->externalKind == kTagKind) trace.tags[e->correlationId] = e->externalId;
            break;
        }
        default: break;
    }
}

void CUPTIAPI bufferCompleted(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t validSize) {
    Collected& c = collected();
    {
        std::lock_guard<std::mutex> lock(c.mutex);
        CUpti_Activity* record = nullptr;
        while (cuptiActivityGetNextRecord(buffer, validSize, &record) == CUPTI_SUCCESS) keep(c.trace, record);
    }
    std::free(buffer);
}

Status registerOnce() {
    static const CUptiResult registered = cuptiActivityRegisterCallbacks(bufferRequested, bufferCompleted);
    return cuptiStatus(registered, "activity callbacks");
}

void disableAll() {
    for (CUpti_ActivityKind kind : kKinds) cuptiActivityDisable(kind);
}

Status flush() {
    Status s = cuptiStatus(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED), "flush");
    std::size_t dropped = 0;
    if (cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped) == CUPTI_SUCCESS && dropped > 0) {
        std::lock_guard<std::mutex> lock(collected().mutex);
        collected().dropped += dropped;
    }
    return s;
}

}  // namespace

bool KernelTrace::builtIn() { return true; }

KernelTrace::~KernelTrace() {
    if (active_) disableAll();
}

Status KernelTrace::begin() {
    if (active_) return Status::failure("the kernel trace is already running");
    Q4_CHECK(registerOnce());
    for (CUpti_ActivityKind kind : kKinds) {
        if (Status s = cuptiStatus(cuptiActivityEnable(kind), "activity enable"); !s) {
            disableAll();
            return s;
        }
    }
    active_ = true;
    return discard();
}

Status KernelTrace::discard() {
    Q4_CHECK(flush());
    std::lock_guard<std::mutex> lock(collected().mutex);
    collected().trace = Trace{};
    collected().dropped = 0;
    return Status::success();
}

Expected<Trace> KernelTrace::end() {
    if (!active_) return Error{"the kernel trace was not started"};
    const Status flushed = flush();
    disableAll();
    active_ = false;
    if (!flushed) return flushed.asError();
    Trace trace;
    {
        std::lock_guard<std::mutex> lock(collected().mutex);
        if (collected().dropped > 0)
            return Error{"CUPTI dropped " + std::to_string(collected().dropped) + " activity records"};
        trace = std::move(collected().trace);
        collected().trace = Trace{};
    }
    std::stable_sort(trace.ops.begin(), trace.ops.end(),
                     [](const TracedOp& a, const TracedOp& b) { return a.startNs < b.startNs; });
    return trace;
}

Status KernelTrace::tag(std::uint64_t id) {
    untag();
    return cuptiStatus(cuptiActivityPushExternalCorrelationId(kTagKind, id), "tag");
}

void KernelTrace::untag() {
    std::uint64_t last = 0;
    cuptiActivityPopExternalCorrelationId(kTagKind, &last);
}

#else  // no CUPTI in this build

bool KernelTrace::builtIn() { return false; }
KernelTrace::~KernelTrace() = default;
Status KernelTrace::begin() { return Status::failure("this build has no CUPTI"); }
Status KernelTrace::discard() { return Status::failure("this build has no CUPTI"); }
Expected<Trace> KernelTrace::end() { return Error{"this build has no CUPTI"}; }
Status KernelTrace::tag(std::uint64_t) { return Status::failure("this build has no CUPTI"); }
void KernelTrace::untag() {}

#endif

}  // namespace q4
