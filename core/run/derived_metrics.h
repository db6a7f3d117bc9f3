#pragma once
// Bytes, flops, floors and ratios of a record, from its point and the device's ceilings.
#include "results/record.h"
#include "results/run_info.h"
#include "sweep/sweep_spec.h"

namespace q4 {

// Fewest bytes a W4A16 kernel must move: packed int4 weights (at sparse points the kept nibbles
// and their metadata), fp16 scales, packed zeros, g_idx when act-order, fp16 activations in and
// fp16 output out. The same for every kernel at a point, so floors and fractions compare kernels
// against one problem.
double minimumBytes(const SweepPoint& point);
// 2 m n k, counting the kept weights only at sparse points: the products a sparse tensor core
// does at the dense rate, so the fp16 floor stays right for it.
double flopCount(const SweepPoint& point);

// Fills bytes, flops, gbps, tflops, floor and fraction of floor from record.time.median.
void fillDerivedMetrics(Record& record, const SweepPoint& point, const Ceilings& ceilings);

}  // namespace q4
