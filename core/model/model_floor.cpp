#include "model/model_floor.h"

#include <cstdio>

#include "model/block_linears.h"

namespace q4 {
namespace {

std::string gigabytes(double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", bytes / 1e9);
    return text;
}

}  // namespace

std::int64_t kvCacheBytes(const ModelArchitecture& arch, std::int64_t batch, std::int64_t context) {
    return 2 * arch.layers * arch.kvHeads * arch.headDim * batch * context * 2;
}

std::int64_t fp16TensorBytes(const ModelArchitecture& arch) {
    const std::int64_t table = arch.vocabSize * arch.hiddenSize * 2;
    const std::int64_t norms = (2 * arch.layers + 1) * arch.hiddenSize * 2;
    return (arch.tiedEmbeddings ? table : 2 * table) + norms;
}

std::int64_t gptqWeightBytes(const ModelArchitecture& arch, int groupSize, bool actOrder, Sparsity sparsity) {
    std::int64_t bytes = 0;
    for (const LinearShape& s : separateLinearShapes(arch)) {
        const std::int64_t groups = groupSize < 0 ? 1 : s.k / groupSize;
        bytes += compressedWeightBytes(s.k, s.n, sparsity) + metadataBytes(s.k, s.n, sparsity) + groups * s.n * 2 +
                 groups * s.n / 2 + (actOrder ? s.k * 4 : 0);
    }
    return bytes * arch.layers;
}

std::int64_t fp16LinearBytes(const ModelArchitecture& arch) {
    std::int64_t bytes = 0;
    for (const LinearShape& s : separateLinearShapes(arch)) bytes += s.k * s.n * 2;
    return bytes * arch.layers;
}

double decodeStepBytes(const ModelArchitecture& arch, const ModelMemory& memory, std::int64_t batch,
                       std::int64_t context) {
    const double weights = double(memory.quantWeights + memory.scales + memory.zeros + memory.gIdx);
    const double lmHeadAndNorms = double(arch.vocabSize * arch.hiddenSize * 2 + (2 * arch.layers + 1) * arch.hiddenSize * 2);
    return weights + lmHeadAndNorms + double(kvCacheBytes(arch, batch, context));
}

std::int64_t estimatedModelBytes(const ModelArchitecture& arch, std::int64_t weightBytes, std::int64_t batch,
                                 std::int64_t context) {
    return weightBytes + fp16TensorBytes(arch) + kvCacheBytes(arch, batch, context);
}

std::string memoryShortfall(const ModelArchitecture& arch, std::int64_t weightBytes, std::int64_t batch,
                            std::int64_t context, std::int64_t deviceBytes) {
    const std::int64_t needed = estimatedModelBytes(arch, weightBytes, batch, context);
    if (deviceBytes <= 0 || needed <= deviceBytes) return {};
    return "needs at least " + gigabytes(double(needed)) + " GB (weights " + gigabytes(double(weightBytes)) +
           ", KV cache " + gigabytes(double(kvCacheBytes(arch, batch, context))) + ", embeddings and norms " +
           gigabytes(double(fp16TensorBytes(arch))) + ") but the device has " + gigabytes(double(deviceBytes)) + " GB";
}

}  // namespace q4
