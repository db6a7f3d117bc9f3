#pragma once
// From a traced decode step to its per-component times (kernels/decoder/kernel_trace.h): which
// component each traced op belongs to, and how the step's span divides among them.
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "decoder/kernel_trace.h"
#include "model/model_instance.h"

namespace q4 {

// The mark in force at each kernel, memset and copy node of a graph captured from one stream, in
// execution order. boundaries[i] is the last node captured before mark i (nullptr: none yet).
// Fails unless the graph is one chain, the shape a single-stream capture gives.
Expected<std::vector<std::size_t>> marksOfGraphOps(cudaGraph_t graph, const std::vector<cudaGraphNode_t>& boundaries);

// Each op's busy time (what earlier ops do not already cover: programmatically launched kernels
// overlap their predecessor's tail) goes to names[markOfOp[i]]; time with nothing running goes
// to "gaps". The parts sum to the span from the first start to the last end, which is the
// profile's step time. order lists the component names in report order; a name outside it fails.
Expected<StepProfile> attributeOps(const std::vector<TracedOp>& ops, const std::vector<std::size_t>& markOfOp,
                                   const std::vector<std::string>& names, const std::vector<std::string>& order);

}  // namespace q4
