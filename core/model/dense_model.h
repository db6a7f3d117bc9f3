#pragma once
// A model's weights as the CPU reference decoder holds them: every tensor in fp32, each linear
// layer dequantized once at load into W [k, n].
#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"
#include "model/architecture.h"
#include "model/model_weights.h"
#include "sparsity/sparsity.h"

namespace q4 {

struct DenseLinear {
    std::string name;
    std::int64_t k = 0;
    std::int64_t n = 0;
    std::int64_t outOffset = 0;  // first output column in the block's q | k | v or gate | up buffer
    std::vector<float> w;        // [k, n] row-major
};

struct DenseBlock {
    std::vector<float> inputNorm;
    std::vector<float> postAttentionNorm;
    std::vector<DenseLinear> attentionIn;  // q, k, v or the fused qkv
    DenseLinear o;
    std::vector<DenseLinear> mlpIn;  // gate, up or the fused gate_up
    DenseLinear down;
};

struct DenseModel {
    ModelArchitecture arch;
    std::vector<float> embedding;  // [vocab, hidden]
    std::vector<float> lmHead;     // [vocab, hidden]; empty when tied to the embedding
    std::vector<float> finalNorm;
    std::vector<DenseBlock> blocks;

    const std::vector<float>& head() const { return lmHead.empty() ? embedding : lmHead; }
    std::int64_t linearBytes() const;  // the dequantized linear layers
    std::int64_t otherBytes() const;   // embedding, LM head and norms
};

// Bytes of every weight of arch in fp32 (linear layers, embedding, an untied LM head, norms), as a
// double so absurd sizes compare instead of overflowing.
double denseModelBytes(const ModelArchitecture& arch);

// Reads and dequantizes every tensor of weights, the linear layers pruned to sparsity; refuses
// models above maxBytes in fp32, naming both.
Expected<DenseModel> loadDenseModel(const ModelWeightSource& weights, std::int64_t maxBytes,
                                    Sparsity sparsity = Sparsity::None);

}  // namespace q4
