#pragma once
// A decoder-only transformer's shape (the Llama family: Llama-2/3, Mistral), as config.json
// describes it. The checkpoint reader fills it; run info keeps it so a model run can be repeated.
#include <cstdint>
#include <string>

#include "common/expected.h"

namespace q4 {

// RoPE frequency scaling. "none" when config.json has no rope_scaling; "linear" and "dynamic"
// use factor; "llama3" also uses the low/high frequency factors and the original context length.
struct RopeScaling {
    std::string type = "none";
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    std::int64_t originalMaxPositions = 0;
};

struct ModelArchitecture {
    std::string modelType;             // config.json's model_type: "llama", "mistral"
    std::int64_t hiddenSize = 0;       // hidden_size
    std::int64_t layers = 0;           // num_hidden_layers
    std::int64_t heads = 0;            // num_attention_heads
    std::int64_t kvHeads = 0;          // num_key_value_heads (= heads when absent)
    std::int64_t headDim = 0;          // head_dim (= hidden / heads when absent)
    std::int64_t intermediateSize = 0; // intermediate_size
    std::int64_t vocabSize = 0;        // vocab_size
    std::int64_t maxPositions = 0;     // max_position_embeddings (0 when absent)
    double rmsNormEps = 1e-6;          // rms_norm_eps
    double ropeTheta = 10000.0;        // rope_theta
    RopeScaling ropeScaling;
    bool tiedEmbeddings = false;       // tie_word_embeddings
};

// The shape rules every forward pass relies on: positive sizes, heads divide hidden, kv heads
// divide heads, even head dim (RoPE pairs). The message names the config.json key.
Status validateArchitecture(const ModelArchitecture& arch);

// JSON with config.json's key names, so the same reader takes both.
std::string architectureToJson(const ModelArchitecture& arch);
// Reads config.json's architecture keys (unknown keys ignored: configs carry many). context names
// the file in messages.
Expected<ModelArchitecture> architectureFromJson(const std::string& json, const std::string& context);

}  // namespace q4
