#include "checkpoint/checkpoint_summary.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace q4 {

Expected<CheckpointSummary> summarizeCheckpoint(const Checkpoint& checkpoint) {
    CheckpointSummary summary{checkpoint.name(), checkpoint.architecture(), checkpoint.quantization(), {}};
    for (const CheckpointLayer& layer : checkpoint.layers()) {
        auto loaded = checkpoint.loadLayer(layer);
        if (!loaded) return loaded.takeError();
        summary.layers.push_back({layer, dequantizedFrobeniusNorm(*loaded)});
    }
    return summary;
}

std::string checkpointSummaryToJson(const CheckpointSummary& summary) {
    using Json = nlohmann::ordered_json;
    Json layers = Json::array();
    for (const LayerSummary& s : summary.layers) {
        const CheckpointLayer& l = s.layer;
        layers.push_back(Json{{"name", l.name},
                              {"n", l.n},
                              {"k", l.k},
                              {"group_size", l.groupSize},
                              {"act_order", l.actOrder},
                              {"zero_format", nameOf(l.zeroFormat)},
                              {"symmetric", l.symmetric},
                              {"dequant_fro_norm", s.dequantFroNorm}});
    }
    Json document;
    document["architecture"] = Json::parse(architectureToJson(summary.architecture));
    document["layers"] = std::move(layers);
    return document.dump(2) + "\n";
}

std::string checkpointSummaryText(const CheckpointSummary& summary) {
    std::string text;
    char line[512];
    std::snprintf(line, sizeof line, "%-40s %7s %7s %6s %9s %4s %9s %16s\n", "layer", "n", "k", "group", "act_order",
                  "zero", "symmetric", "dequant_fro_norm");
    text += line;
    for (const LayerSummary& s : summary.layers) {
        const CheckpointLayer& l = s.layer;
        text += l.name.size() < 40 ? l.name + std::string(40 - l.name.size(), ' ') : l.name;  // names may be long
        std::snprintf(line, sizeof line, " %7lld %7lld %6d %9s %4s %9s %16.6g\n", static_cast<long long>(l.n), static_cast<long long>(l.k), l.groupSize, l.actOrder ? "yes" : "no",
                      nameOf(l.zeroFormat), l.symmetric ? "yes" : "no", s.dequantFroNorm);
        text += line;
    }
    const ModelArchitecture& a = summary.architecture;
    std::snprintf(line, sizeof line,
                  "architecture: %s, hidden %lld, %lld layers, %lld heads (%lld KV, head dim %lld), intermediate "
                  "%lld, vocabulary %lld, RMSNorm eps %g, RoPE theta %g (scaling %s), %s embeddings\n",
                  a.modelType.c_str(), static_cast<long long>(a.hiddenSize), static_cast<long long>(a.layers),
                  static_cast<long long>(a.heads), static_cast<long long>(a.kvHeads), static_cast<long long>(a.headDim),
                  static_cast<long long>(a.intermediateSize), static_cast<long long>(a.vocabSize), a.rmsNormEps,
                  a.ropeTheta, a.ropeScaling.type.c_str(), a.tiedEmbeddings ? "tied" : "separate");
    text += line;
    return text;
}

}  // namespace q4
