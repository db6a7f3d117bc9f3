#include "checkpoint/checkpoint.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint_layers.h"
#include "checkpoint/mapped_file.h"
#include "checkpoint/tensor_bytes.h"
#include "model/config_reader.h"

namespace q4 {
namespace {

namespace fs = std::filesystem;

// config.json, the quantization files and the shard index are small; anything larger is not one.
constexpr std::uint64_t kMaxConfigBytes = 64ull << 20;

bool isFile(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

Expected<std::string> readSmallFile(const std::string& path) {
    auto file = MappedFile::open(path);
    if (!file) return file.takeError();
    if (file->size() > kMaxConfigBytes)
        return Error{path + ": " + std::to_string(file->size()) + " bytes is too large for a configuration file"};
    return std::string(reinterpret_cast<const char*>(file->data()), std::size_t(file->size()));
}

// config.json's quantization_config object, else quantize_config.json or quantization_config.json.
Expected<CheckpointQuantization> readQuantization(const fs::path& dir, const nlohmann::json& config,
                                                  const std::string& configPath) {
    if (const auto it = config.find("quantization_config"); it != config.end() && !it->is_null()) {
        const std::string context = configPath + ": quantization_config";
        if (!it->is_object()) return Error{context + " must be an object"};
        return quantizationFromJson(it->dump(), context);
    }
    for (const char* name : {"quantize_config.json", "quantization_config.json"}) {
        const fs::path path = dir / name;
        if (!isFile(path)) continue;
        auto text = readSmallFile(path.string());
        if (!text) return text.takeError();
        return quantizationFromJson(*text, path.string());
    }
    return Error{dir.string() +
                 ": no quantization settings: looked for 'quantization_config' in config.json, quantize_config.json "
                 "and quantization_config.json"};
}

// A shard named in the index must be a file of this directory, never a path out of it.
bool isPlainFileName(const std::string& name) {
    return !name.empty() && name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
           name.find("..") == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

Expected<Checkpoint> Checkpoint::open(const std::string& directory) {
    const fs::path dir(directory);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Error{"'" + directory + "' is not a checkpoint folder (no such folder)"};

    Checkpoint checkpoint;
    checkpoint.directory_ = directory;
    const std::string configPath = (dir / "config.json").string();
    auto configText = readSmallFile(configPath);
    if (!configText) return Error{"a checkpoint needs config.json: " + configText.error()};
    auto arch = architectureFromJson(*configText, configPath);
    if (!arch) return arch.takeError();
    checkpoint.architecture_ = *arch;
    auto config = parseJsonObject(*configText, configPath);
    if (!config) return config.takeError();
    auto quant = readQuantization(dir, *config, configPath);
    if (!quant) return quant.takeError();
    checkpoint.quantization_ = *quant;

    if (Status s = checkpoint.openWeights(); !s) return s.asError();

    std::vector<std::string> names;
    for (const auto& entry : checkpoint.shardOf_) names.push_back(entry.first);
    const TensorLookup lookup = [&checkpoint](const std::string& name) {
        const auto it = checkpoint.shardOf_.find(name);
        if (it == checkpoint.shardOf_.end()) return LocatedTensor{};
        const SafetensorsFile& file = checkpoint.shards_[it->second];
        return LocatedTensor{&file, file.find(name)};
    };
    auto layers = findLinearLayers(names, lookup, checkpoint.architecture_, checkpoint.quantization_, configPath);
    if (!layers) return layers.takeError();
    if (layers->empty()) return Error{directory + ": no quantized layers (no tensor name ends in .qweight)"};
    checkpoint.layers_ = std::move(layers).value();
    return checkpoint;
}

Status Checkpoint::openWeights() {
    const fs::path dir(directory_);
    const fs::path indexPath = dir / "model.safetensors.index.json";
    const fs::path singlePath = dir / "model.safetensors";
    if (!isFile(indexPath)) {
        if (!isFile(singlePath))
            return Status::failure(directory_ + ": no weights: looked for model.safetensors and " +
                                   "model.safetensors.index.json");
        auto file = SafetensorsFile::open(singlePath.string());
        if (!file) return file.takeError();
        for (const TensorEntry& tensor : file->header().tensors) shardOf_[tensor.name] = 0;
        shards_.push_back(std::move(file).value());
        return Status::success();
    }

    const std::string context = indexPath.string();
    auto text = readSmallFile(context);
    if (!text) return text.takeError();
    auto index = parseJsonObject(*text, context);
    if (!index) return index.takeError();
    const auto map = index->find("weight_map");
    if (map == index->end() || !map->is_object()) return Status::failure(context + ": missing the 'weight_map' object");

    std::map<std::string, std::size_t> opened;  // shard file name -> index into shards_
    for (const auto& [tensor, shard] : map->items()) {
        if (!shard.is_string())
            return Status::failure(context + ": weight_map entry '" + tensor + "' must be a file name");
        const std::string shardName = shard.get<std::string>();
        if (!isPlainFileName(shardName))
            return Status::failure(context + ": shard '" + shardName + "' of tensor '" + tensor +
                                   "' is not a plain file name inside the checkpoint folder");
        auto it = opened.find(shardName);
        if (it == opened.end()) {
            auto file = SafetensorsFile::open((dir / shardName).string());
            if (!file) return file.takeError();
            shards_.push_back(std::move(file).value());
            it = opened.emplace(shardName, shards_.size() - 1).first;
        }
        if (!shards_[it->second].find(tensor))
            return Status::failure(context + ": tensor '" + tensor + "' is listed in '" + shardName +
                                   "', which has no such tensor");
        shardOf_[tensor] = it->second;
    }
    return Status::success();
}

std::string Checkpoint::name() const {
    fs::path path(directory_);
    while (path.has_relative_path() && path.filename().empty()) path = path.parent_path();  // "dir/" -> "dir"
    return path.filename().string();
}

const CheckpointLayer* Checkpoint::findLayer(const std::string& name) const {
    for (const CheckpointLayer& layer : layers_)
        if (layer.name == name) return &layer;
    return nullptr;
}

std::optional<Checkpoint::TensorView> Checkpoint::tensor(const std::string& name) const {
    const auto it = shardOf_.find(name);
    if (it == shardOf_.end()) return std::nullopt;
    const SafetensorsFile& file = shards_[it->second];
    const TensorEntry* entry = file.find(name);
    return TensorView{entry, file.data(*entry)};
}

Expected<GptqLayer> Checkpoint::loadLayer(const CheckpointLayer& requested) const {
    // The checked description from open(), whatever the caller's copy says.
    const CheckpointLayer* layer = findLayer(requested.name);
    if (!layer) return Error{directory_ + ": no layer '" + requested.name + "'"};
    auto view = [&](const char* suffix) { return *tensor(layer->name + suffix); };

    GptqLayer out;
    out.k = layer->k;
    out.n = layer->n;
    out.groupSize = layer->groupSize;
    out.zeroFormat = layer->zeroFormat;
    const std::int64_t groups = out.numGroups();
    out.qweight = copyLittleEndian<std::int32_t>(view(".qweight").data, std::size_t(out.k / 8 * out.n));
    out.qzeros = copyLittleEndian<std::int32_t>(view(".qzeros").data, std::size_t(groups * out.n / 8));
    out.scales = copyLittleEndian<HalfBits>(view(".scales").data, std::size_t(groups * out.n));
    if (!layer->hasGIdx) {
        out.gIdx = naturalGroupIndex(out.k, out.groupSize);
        return out;
    }
    out.gIdx = copyLittleEndian<std::int32_t>(view(".g_idx").data, std::size_t(out.k));
    for (std::size_t r = 0; r < out.gIdx.size(); ++r) {
        if (out.gIdx[r] < 0 || out.gIdx[r] >= groups) {
            const std::string file = shards_[shardOf_.at(layer->name + ".g_idx")].path();
            return Error{file + ": tensor '" + layer->name + ".g_idx': row " + std::to_string(r) + " is in group " +
                         std::to_string(out.gIdx[r]) + ", outside [0, " + std::to_string(groups) + ")"};
        }
    }
    return out;
}

Expected<std::vector<HalfBits>> Checkpoint::loadBias(const CheckpointLayer& requested) const {
    const CheckpointLayer* layer = findLayer(requested.name);
    if (!layer) return Error{directory_ + ": no layer '" + requested.name + "'"};
    if (!layer->hasBias) return std::vector<HalfBits>{};
    return copyLittleEndian<HalfBits>(tensor(layer->name + ".bias")->data, std::size_t(layer->n));
}

double dequantizedFrobeniusNorm(const GptqLayer& layer) {
    const std::int64_t k = layer.k, n = layer.n;
    if (k <= 0 || n <= 0 || k % 8 != 0 || n % 8 != 0) return std::numeric_limits<double>::quiet_NaN();
    const std::int64_t groups = layer.numGroups();
    const auto size = [](const auto& values) { return std::int64_t(values.size()); };
    if (size(layer.qweight) != k / 8 * n || size(layer.qzeros) != groups * n / 8 || size(layer.scales) != groups * n ||
        (!layer.gIdx.empty() && size(layer.gIdx) != k))
        return std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::uint8_t> q = unpackWeights(layer.qweight, k, n);
    const std::vector<std::uint8_t> zeros = unpackZeros(layer.qzeros, groups, n);
    const std::vector<std::int32_t> gIdx = layer.gIdx.empty() ? naturalGroupIndex(k, layer.groupSize) : layer.gIdx;

    double sum = 0.0;
    for (std::int64_t r = 0; r < k; ++r) {
        const std::int64_t g = gIdx[std::size_t(r)];
        if (g < 0 || g >= groups) return std::numeric_limits<double>::quiet_NaN();
        for (std::int64_t c = 0; c < n; ++c) {
            const auto cell = std::size_t(g * n + c);
            const double w = double(halfToFloat(layer.scales[cell])) *
                             double(int(q[std::size_t(r * n + c)]) - decodeZero(zeros[cell], layer.zeroFormat));
            sum += w * w;
        }
    }
    return std::sqrt(sum);
}

}  // namespace q4
