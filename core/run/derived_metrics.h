#pragma once
// Bytes, flops, floors and ratios of a record, from its point and the device's ceilings.
#include "results/record.h"
#include "results/run_info.h"
#include "sweep/sweep_spec.h"

namespace q4 {

// Fewest bytes a W4A16 kernel must move: packed int4 weights, fp16 scales, packed zeros,
// g_idx when act-order, fp16 activations in and fp16 output out. The same for every kernel at
// a point, so floors and fractions compare kernels against one problem.
double minimumBytes(const SweepPoint& point);
double flopCount(const SweepPoint& point);  // 2 m n k

// Fills bytes, flops, gbps, tflops, floor and fraction of floor from record.time.median.
void fillDerivedMetrics(Record& record, const SweepPoint& point, const Ceilings& ceilings);

}  // namespace q4
