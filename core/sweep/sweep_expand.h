#pragma once
// Turns a SweepSpec into points, checking every field against its rules.
#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"
#include "sweep/sweep_spec.h"

namespace q4 {

// A sweep may have at most this many points; counted before expanding, so a typo like
// --m 1:100000:+1 --n 8:800000:+8 fails at once instead of filling memory. Both front ends use it.
inline constexpr std::int64_t kMaxSweepPoints = 1'000'000;

// A group size on its own: -1 (one group over all of k) or a positive multiple of 8, since
// a group must cover whole packed int32 rows.
Status validateGroupSize(int groupSize);

// Checks one point's shape: m >= 1, k % 8, n % 8, k % group (group 32, 64, 128, ... or -1).
// The message names the field and the rule: "k=100 is not a multiple of group size 128".
Status validatePoint(const SweepPoint& point);

// Bytes a point needs on the device in the worst case (dense fp16 weights plus int4 copy plus
// activations, output and reference); used to reject sizes that cannot fit.
std::int64_t estimatePointBytes(const SweepPoint& point);

// The number of points the spec expands to, without expanding; an error above kMaxSweepPoints.
Expected<std::int64_t> countSweepPoints(const SweepSpec& spec);

// Checks the spec (timing values, tolerance, kernels against knownKernels unless "all")
// and expands it into points, ordered so points sharing (n, k, quant) are adjacent.
// memoryLimitBytes <= 0 disables the size check.
Expected<std::vector<SweepPoint>> expandSweep(const SweepSpec& spec, const std::vector<std::string>& knownKernels,
                                              std::int64_t memoryLimitBytes);

// The kernel ids a spec selects ("all" expands to knownKernels).
std::vector<std::string> selectedKernels(const SweepSpec& spec, const std::vector<std::string>& knownKernels);

}  // namespace q4
