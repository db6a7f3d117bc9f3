#include "checkpoint/checkpoint_layers.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <tuple>

#include "checkpoint/tensor_bytes.h"

namespace q4 {
namespace {

constexpr std::int64_t kNoIndex = std::numeric_limits<std::int64_t>::max();

std::string str(std::int64_t value) { return std::to_string(value); }

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + str(shape[i]);
    return text + "]";
}

// Saturating, so absurd config sizes give a mismatch, not an overflow.
std::int64_t product(std::int64_t a, std::int64_t b) {
    if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) return std::numeric_limits<std::int64_t>::max();
    return a * b;
}

// Model order: the order a forward pass runs the projections (a fused qkv before o).
enum class Projection { Q, K, V, Qkv, O, Gate, Up, GateUp, Down, Other };

struct LayerRole {
    std::int64_t index = kNoIndex;  // the decoder layer, or kNoIndex outside the layer stack
    Projection projection = Projection::Other;
};

// "model.layers.3.mlp.down_proj" is layer 3's down projection. Any prefix before "layers." is
// accepted, since wrappers (multimodal models, for one) nest the decoder deeper.
LayerRole roleOf(const std::string& name) {
    static const struct {
        const char* suffix;
        Projection projection;
    } kProjections[] = {
        {"self_attn.q_proj", Projection::Q},        {"self_attn.k_proj", Projection::K},
        {"self_attn.v_proj", Projection::V},        {"self_attn.o_proj", Projection::O},
        {"self_attn.qkv_proj", Projection::Qkv},    {"mlp.gate_proj", Projection::Gate},
        {"mlp.up_proj", Projection::Up},            {"mlp.gate_up_proj", Projection::GateUp},
        {"mlp.down_proj", Projection::Down},
    };
    const std::string marker = "layers.";
    for (std::size_t at = name.find(marker); at != std::string::npos; at = name.find(marker, at + 1)) {
        if (at != 0 && name[at - 1] != '.') continue;
        const std::size_t first = at + marker.size();
        std::size_t last = first;
        while (last < name.size() && std::isdigit(static_cast<unsigned char>(name[last]))) ++last;
        if (last == first || last >= name.size() || name[last] != '.') continue;
        LayerRole role;
        // 18 digits always fit an int64; a longer index is out of any config's range anyway.
        role.index = last - first <= 18 ? std::stoll(name.substr(first, last - first)) : kNoIndex - 1;
        const std::string rest = name.substr(last + 1);
        for (const auto& p : kProjections)
            if (rest == p.suffix) role.projection = p.projection;
        return role;
    }
    return {};
}

// The shape config.json implies for a projection: k x n, with the keys that give each.
struct ConfigShape {
    std::int64_t k;
    const char* kFrom;
    std::int64_t n;
    const char* nFrom;
};

std::optional<ConfigShape> configShape(Projection projection, const ModelArchitecture& a) {
    const std::int64_t hidden = a.hiddenSize, inter = a.intermediateSize;
    const std::int64_t q = product(a.heads, a.headDim), kv = product(a.kvHeads, a.headDim);
    switch (projection) {
        case Projection::Q: return ConfigShape{hidden, "hidden_size", q, "num_attention_heads x head_dim"};
        case Projection::K:
        case Projection::V: return ConfigShape{hidden, "hidden_size", kv, "num_key_value_heads x head_dim"};
        case Projection::O: return ConfigShape{q, "num_attention_heads x head_dim", hidden, "hidden_size"};
        case Projection::Qkv:
            return ConfigShape{hidden, "hidden_size", product(a.heads + 2 * a.kvHeads, a.headDim),
                               "(num_attention_heads + 2 x num_key_value_heads) x head_dim"};
        case Projection::Gate:
        case Projection::Up: return ConfigShape{hidden, "hidden_size", inter, "intermediate_size"};
        case Projection::GateUp: return ConfigShape{hidden, "hidden_size", product(2, inter), "2 x intermediate_size"};
        case Projection::Down: return ConfigShape{inter, "intermediate_size", hidden, "hidden_size"};
        case Projection::Other: return std::nullopt;
    }
    return std::nullopt;
}

std::string tensorWhere(const LocatedTensor& t) { return t.file->path() + ": tensor '" + t.entry->name + "': "; }

// The tensor's dtype and shape against what the layer needs; layout names the rule ("[G, n]").
Status checkTensor(const LocatedTensor& t, TensorDtype dtype, const std::vector<std::int64_t>& shape,
                   const std::string& layout, const std::string& sizes) {
    if (t.entry->dtype != dtype)
        return Status::failure(tensorWhere(t) + "dtype " + dtypeName(t.entry->dtype) + ", expected " +
                               dtypeName(dtype));
    if (t.entry->shape != shape)
        return Status::failure(tensorWhere(t) + "shape " + shapeText(t.entry->shape) + ", expected " + layout + " = " +
                               shapeText(shape) + " (" + sizes + ")");
    return Status::success();
}

class LayerReader {
public:
    LayerReader(const TensorLookup& lookup, const ModelArchitecture& arch, const CheckpointQuantization& quant,
                const std::string& configName)
        : lookup_(lookup), arch_(arch), quant_(quant), configName_(configName) {}

    Expected<CheckpointLayer> read(const std::string& name) const {
        const LocatedTensor qweight = lookup_(name + ".qweight");
        const std::string where = qweight.file->path() + ": layer '" + name + "': ";
        if (name.empty()) return Error{tensorWhere(qweight) + "names no layer"};
        if (qweight.entry->dtype != TensorDtype::I32)
            return Error{tensorWhere(qweight) + "dtype " + dtypeName(qweight.entry->dtype) + ", expected I32"};
        const std::vector<std::int64_t>& shape = qweight.entry->shape;
        if (shape.size() != 2 || shape[0] <= 0)
            return Error{tensorWhere(qweight) + "shape " + shapeText(shape) + ", expected [k / 8, n] with k, n > 0"};

        CheckpointLayer layer;
        layer.name = name;
        layer.k = shape[0] * 8;  // fits: the tensor's bytes lie in the file
        layer.n = shape[1];
        layer.groupSize = quant_.groupSize;
        layer.symmetric = quant_.symmetric;
        layer.zeroFormat = quant_.zeroFormat;
        if (layer.n <= 0 || layer.n % 8 != 0)
            return Error{where + "n=" + str(layer.n) +
                         " is not a positive multiple of 8 (qzeros pack 8 columns per int32)"};
        if (layer.groupSize > 0 && layer.k % layer.groupSize != 0)
            return Error{where + "k=" + str(layer.k) + " is not a multiple of group_size " + str(layer.groupSize)};
        const std::int64_t groups = layer.groupSize > 0 ? layer.k / layer.groupSize : 1;
        const std::string sizes =
            "k=" + str(layer.k) + ", n=" + str(layer.n) + ", group_size=" + str(layer.groupSize) + ", G=" + str(groups);

        struct Part {
            const char* suffix;
            TensorDtype dtype;
            std::vector<std::int64_t> shape;
            const char* layout;
            bool required;
            bool* present;
        };
        bool zerosPresent = false, scalesPresent = false;
        const Part parts[] = {
            {".qzeros", TensorDtype::I32, {groups, layer.n / 8}, "[G, n / 8]", true, &zerosPresent},
            {".scales", TensorDtype::F16, {groups, layer.n}, "[G, n]", true, &scalesPresent},
            {".g_idx", TensorDtype::I32, {layer.k}, "[k]", false, &layer.hasGIdx},
            {".bias", TensorDtype::F16, {layer.n}, "[n]", false, &layer.hasBias},
        };
        for (const Part& part : parts) {
            const LocatedTensor t = lookup_(name + part.suffix);
            if (!t.file) {
                if (part.required) return Error{where + "missing tensor '" + name + part.suffix + "'"};
                continue;
            }
            if (Status s = checkTensor(t, part.dtype, part.shape, part.layout, sizes); !s) return s.asError();
            *part.present = true;
        }
        if (Status s = checkAgainstConfig(layer, where); !s) return s.asError();

        if (layer.hasGIdx) {
            const LocatedTensor gIdx = lookup_(name + ".g_idx");
            const auto values = copyLittleEndian<std::int32_t>(gIdx.file->data(*gIdx.entry), std::size_t(layer.k));
            layer.actOrder = values != naturalGroupIndex(layer.k, layer.groupSize);
        }
        return layer;
    }

private:
    Status checkAgainstConfig(const CheckpointLayer& layer, const std::string& where) const {
        const LayerRole role = roleOf(layer.name);
        if (role.index != kNoIndex && role.index >= arch_.layers)
            return Status::failure(where + "layer index " + str(role.index) + ", but " + configName_ +
                                   " has num_hidden_layers=" + str(arch_.layers));
        const auto expected = configShape(role.projection, arch_);
        if (!expected) return Status::success();
        if (layer.k != expected->k)
            return Status::failure(where + "k=" + str(layer.k) + ", but " + configName_ + "'s " + expected->kFrom +
                                   " is " + str(expected->k));
        if (layer.n != expected->n)
            return Status::failure(where + "n=" + str(layer.n) + ", but " + configName_ + "'s " + expected->nFrom +
                                   " is " + str(expected->n));
        return Status::success();
    }

    const TensorLookup& lookup_;
    const ModelArchitecture& arch_;
    const CheckpointQuantization& quant_;
    const std::string& configName_;
};

}  // namespace

Expected<std::vector<CheckpointLayer>> findLinearLayers(const std::vector<std::string>& tensorNames,
                                                        const TensorLookup& lookup, const ModelArchitecture& arch,
                                                        const CheckpointQuantization& quant,
                                                        const std::string& configName) {
    const std::string suffix = ".qweight";
    const LayerReader reader(lookup, arch, quant, configName);
    std::vector<CheckpointLayer> layers;
    for (const std::string& tensor : tensorNames) {
        if (tensor.size() < suffix.size() || tensor.compare(tensor.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        auto layer = reader.read(tensor.substr(0, tensor.size() - suffix.size()));
        if (!layer) return layer.takeError();
        layers.push_back(std::move(layer).value());
    }
    auto order = [](const CheckpointLayer& layer) {
        const LayerRole role = roleOf(layer.name);
        return std::tuple<std::int64_t, int, const std::string&>(role.index, int(role.projection), layer.name);
    };
    std::sort(layers.begin(), layers.end(),
              [&](const CheckpointLayer& a, const CheckpointLayer& b) { return order(a) < order(b); });
    return layers;
}

}  // namespace q4
