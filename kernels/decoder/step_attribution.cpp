#include "decoder/step_attribution.h"

#include <algorithm>
#include <unordered_map>

#include "cuda/cuda_check.h"

namespace q4 {

Expected<std::vector<std::size_t>> marksOfGraphOps(cudaGraph_t graph, const std::vector<cudaGraphNode_t>& boundaries) {
    if (boundaries.empty()) return Error{"profile: the step has no component marks"};
    // A mark starts after its boundary node; several marks at one node: the last one holds.
    std::unordered_map<cudaGraphNode_t, std::size_t> markAfter;
    for (std::size_t i = 1; i < boundaries.size(); ++i)
        if (boundaries[i]) markAfter[boundaries[i]] = i;
    std::size_t current = 0;
    for (std::size_t i = 1; i < boundaries.size() && !boundaries[i]; ++i) current = i;

    std::size_t count = 0;
    Q4_CUDA(cudaGraphGetRootNodes(graph, nullptr, &count));
    if (count != 1) return Error{"profile: the step's graph has " + std::to_string(count) + " roots, not one chain"};
    cudaGraphNode_t node = nullptr;
    Q4_CUDA(cudaGraphGetRootNodes(graph, &node, &count));

    std::vector<std::size_t> marks;
    while (node) {
        cudaGraphNodeType type{};
        Q4_CUDA(cudaGraphNodeGetType(node, &type));
        if (type == cudaGraphNodeTypeKernel || type == cudaGraphNodeTypeMemset || type == cudaGraphNodeTypeMemcpy)
            marks.push_back(current);
        if (const auto at = markAfter.find(node); at != markAfter.end()) current = at->second;
        Q4_CUDA(cudaGraphNodeGetDependentNodes(node, nullptr, nullptr, &count));
        if (count > 1) return Error{"profile: the step's graph branches, it is not one chain"};
        // Edge data must be asked for: programmatic-launch edges carry some, and the runtime
        // refuses a query that would drop it.
        cudaGraphNode_t next = nullptr;
        cudaGraphEdgeData edge{};
        if (count == 1) Q4_CUDA(cudaGraphNodeGetDependentNodes(node, &next, &edge, &count));
        node = next;
    }
    return marks;
}

Expected<StepProfile> attributeOps(const std::vector<TracedOp>& ops, const std::vector<std::size_t>& markOfOp,
                                   const std::vector<std::string>& names, const std::vector<std::string>& order) {
    if (ops.empty()) return Error{"profile: the trace holds no work"};
    if (ops.size() != markOfOp.size())
        return Error{"profile: " + std::to_string(ops.size()) + " traced operations for " +
                     std::to_string(markOfOp.size()) + " in the step"};
    std::vector<double> seconds(order.size(), 0.0);
    double gaps = 0;
    std::uint64_t covered = ops.front().startNs;  // everything before is accounted for
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const TracedOp& op = ops[i];
        if (markOfOp[i] >= names.size()) return Error{"profile: an operation has no component"};
        const auto at = std::find(order.begin(), order.end(), names[markOfOp[i]]);
        if (at == order.end()) return Error{"profile: unknown component " + names[markOfOp[i]]};
        if (op.startNs > covered) gaps += double(op.startNs - covered) * 1e-9;
        const std::uint64_t from = std::max(op.startNs, covered);
        if (op.endNs > from) seconds[std::size_t(at - order.begin())] += double(op.endNs - from) * 1e-9;
        covered = std::max(covered, op.endNs);
    }
    StepProfile profile;
    profile.stepSeconds = double(covered - ops.front().startNs) * 1e-9;
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] != "gaps") profile.components.push_back({order[i], seconds[i]});
    profile.components.push_back({"gaps", gaps});
    return profile;
}

}  // namespace q4
