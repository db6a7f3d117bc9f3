#include "model/dense_model.h"

#include <cstdio>

#include "model/block_linears.h"
#include "model/prune_linears.h"

namespace q4 {
namespace {

std::vector<float> toFloat(const std::vector<HalfBits>& values) {
    std::vector<float> out(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = halfToFloat(values[i]);
    return out;
}

// A weight source is an interface: its tensors are checked before they are trusted.
Expected<std::vector<float>> loadVector(const Expected<std::vector<HalfBits>>& values, std::int64_t expected,
                                        const std::string& what, const char* rule) {
    if (!values) return values.takeError();
    if (std::int64_t(values->size()) != expected)
        return Error{what + " has " + std::to_string(values->size()) + " values, expected " + rule + " = " +
                     std::to_string(expected)};
    return toFloat(*values);
}

DenseLinear dequantized(const DecoderLinear& linear, std::int64_t outOffset) {
    return DenseLinear{linear.name, linear.layer.k, linear.layer.n, outOffset, dequantize(linear.layer)};
}

Expected<DenseBlock> loadBlock(const ModelWeightSource& weights, std::int64_t index, Sparsity sparsity) {
    const ModelArchitecture& arch = weights.architecture();
    const std::string where = "block " + std::to_string(index);
    DenseBlock block;
    auto norms = weights.blockNorms(index);
    if (!norms) return norms.takeError();
    auto input = loadVector(norms->inputNorm, arch.hiddenSize, where + " input_layernorm", "hidden_size");
    if (!input) return input.takeError();
    auto post =
        loadVector(norms->postAttentionNorm, arch.hiddenSize, where + " post_attention_layernorm", "hidden_size");
    if (!post) return post.takeError();
    block.inputNorm = std::move(input).value();
    block.postAttentionNorm = std::move(post).value();

    auto linears = weights.blockLinears(index);
    if (!linears) return linears.takeError();
    if (Status s = checkBlockLinears(arch, index, *linears); !s) return s.asError();
    if (Status s = pruneLinears(linears.value(), sparsity); !s) return Error{where + ": " + s.message};
    // Outputs of separate projections go side by side, as a fused layer's columns would.
    std::int64_t attentionColumns = 0, mlpColumns = 0;
    for (const DecoderLinear& linear : *linears) {
        if (linear.name == "o_proj") {
            block.o = dequantized(linear, 0);
        } else if (linear.name == "down_proj") {
            block.down = dequantized(linear, 0);
        } else if (linear.name == "gate_proj" || linear.name == "up_proj" || linear.name == "gate_up_proj") {
            block.mlpIn.push_back(dequantized(linear, mlpColumns));
            mlpColumns += linear.layer.n;
        } else {
            block.attentionIn.push_back(dequantized(linear, attentionColumns));
            attentionColumns += linear.layer.n;
        }
    }
    return block;
}

}  // namespace

std::int64_t DenseModel::linearBytes() const {
    std::int64_t bytes = 0;
    for (const DenseBlock& block : blocks) {
        for (const auto& linear : block.attentionIn) bytes += std::int64_t(linear.w.size() * sizeof(float));
        for (const auto& linear : block.mlpIn) bytes += std::int64_t(linear.w.size() * sizeof(float));
        bytes += std::int64_t((block.o.w.size() + block.down.w.size()) * sizeof(float));
    }
    return bytes;
}

std::int64_t DenseModel::otherBytes() const {
    std::size_t values = embedding.size() + lmHead.size() + finalNorm.size();
    for (const DenseBlock& block : blocks) values += block.inputNorm.size() + block.postAttentionNorm.size();
    return std::int64_t(values * sizeof(float));
}

double denseModelBytes(const ModelArchitecture& arch) {
    double perBlock = 2.0 * double(arch.hiddenSize);  // the two norms
    for (const LinearShape& shape : separateLinearShapes(arch)) perBlock += double(shape.k) * double(shape.n);
    const double tables = (arch.tiedEmbeddings ? 1.0 : 2.0) * double(arch.vocabSize) * double(arch.hiddenSize);
    return 4.0 * (double(arch.layers) * perBlock + tables + double(arch.hiddenSize));
}

Expected<DenseModel> loadDenseModel(const ModelWeightSource& weights, std::int64_t maxBytes, Sparsity sparsity) {
    DenseModel model;
    model.arch = weights.architecture();
    const ModelArchitecture& arch = model.arch;
    if (Status s = validateArchitecture(arch); !s) return s.asError();
    if (const double bytes = denseModelBytes(arch); bytes > double(maxBytes)) {
        char text[160];
        std::snprintf(text, sizeof text, "%.0f bytes as fp32, above the CPU decoder's limit of %lld bytes", bytes,
                      static_cast<long long>(maxBytes));
        return Error{weights.name() + ": the weights take " + text};
    }

    const std::int64_t table = arch.vocabSize * arch.hiddenSize;
    auto embedding = loadVector(weights.embedding(), table, "embed_tokens", "vocab_size x hidden_size");
    if (!embedding) return embedding.takeError();
    model.embedding = std::move(embedding).value();
    if (!arch.tiedEmbeddings) {
        auto head = loadVector(weights.lmHead(), table, "lm_head", "vocab_size x hidden_size");
        if (!head) return head.takeError();
        model.lmHead = std::move(head).value();
    }
    auto norm = loadVector(weights.finalNorm(), arch.hiddenSize, "model.norm", "hidden_size");
    if (!norm) return norm.takeError();
    model.finalNorm = std::move(norm).value();

    for (std::int64_t index = 0; index < arch.layers; ++index) {
        auto block = loadBlock(weights, index, sparsity);
        if (!block) return block.takeError();
        model.blocks.push_back(std::move(block).value());
    }
    return model;
}

}  // namespace q4
