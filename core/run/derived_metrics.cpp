#include "run/derived_metrics.h"

#include <algorithm>

namespace q4 {

double minimumBytes(const SweepPoint& p) {
    const double groupSize = double(effectiveGroupSize(p.quant.groupSize, p.k));
    const double groups = double(p.k) / groupSize;
    // int4 weights: the kept nibbles and their metadata at sparse points
    double bytes = double(compressedWeightBytes(p.k, p.n, p.sparsity) + metadataBytes(p.k, p.n, p.sparsity));
    bytes += groups * double(p.n) * 2;              // fp16 scales
    bytes += groups * double(p.n) / 2;              // int4 zeros
    if (p.quant.actOrder) bytes += double(p.k) * 4;  // g_idx
    bytes += double(p.m) * double(p.k) * 2;         // A
    bytes += double(p.m) * double(p.n) * 2;         // C
    return bytes;
}

double flopCount(const SweepPoint& p) {
    const double keptK = double(p.k) * keptPerRun(p.sparsity) / runLength(p.sparsity);
    return 2.0 * double(p.m) * double(p.n) * keptK;
}

void fillDerivedMetrics(Record& r, const SweepPoint& point, const Ceilings& ceilings) {
    r.bytes = minimumBytes(point);
    r.flops = flopCount(point);
    double floor = 0;
    if (ceilings.copyBytesPerSecond && *ceilings.copyBytesPerSecond > 0)
        floor = std::max(floor, r.bytes / *ceilings.copyBytesPerSecond);
    if (ceilings.fp16FlopsPerSecond && *ceilings.fp16FlopsPerSecond > 0)
        floor = std::max(floor, r.flops / *ceilings.fp16FlopsPerSecond);
    if (floor > 0) r.floorSeconds = floor;
    const double t = r.time.median;
    if (t <= 0) return;
    r.gbps = r.bytes / t / 1e9;
    r.tflops = r.flops / t / 1e12;
    if (floor > 0) r.fractionOfFloor = floor / t;
}

}  // namespace q4
