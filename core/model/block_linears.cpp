#include "model/block_linears.h"

namespace q4 {
namespace {

std::string str(std::int64_t value) {
    return std::to_string(value);
}

// Generated parts must tile [0, n) in order, each a whole number of columns.
Status checkGeneratedParts(const DecoderLinear& linear, const std::string& where) {
    std::int64_t column = 0;
    for (const GeneratedQweightPart& part : linear.generatedQweight) {
        if (part.firstColumn != column || part.columns <= 0)
            return Status::failure(where + "generated qweight part at column " + str(part.firstColumn) + " of " +
                                   str(part.columns) + " columns does not follow column " + str(column));
        column += part.columns;
    }
    if (column != linear.layer.n)
        return Status::failure(where + "generated qweight parts cover " + str(column) + " columns, expected n = " +
                               str(linear.layer.n));
    return Status::success();
}

// qweightOnDevice: the qweight is generated on the device, so the host holds none.
Status checkTensors(const GptqLayer& layer, const std::string& where, bool qweightOnDevice) {
    if (Status s = validateLayerShape(layer.k, layer.n, layer.groupSize); !s) return Status::failure(where + s.message);
    const std::int64_t groups = layer.numGroups();
    const struct {
        const char* name;
        std::size_t size;
        std::int64_t expected;
        const char* rule;
    } tensors[] = {
        {"qweight", layer.qweight.size(), qweightOnDevice ? 0 : layer.k / 8 * layer.n,
         qweightOnDevice ? "none (generated on the device)" : "k / 8 x n"},
        {"qzeros", layer.qzeros.size(), groups * layer.n / 8, "G x n / 8"},
        {"scales", layer.scales.size(), groups * layer.n, "G x n"},
        {"g_idx", layer.gIdx.size(), layer.k, "k"},
    };
    for (const auto& t : tensors)
        if (std::int64_t(t.size) != t.expected)
            return Status::failure(where + t.name + " has " + str(std::int64_t(t.size)) + " values, expected " +
                                   t.rule + " = " + str(t.expected));
    for (std::size_t r = 0; r < layer.gIdx.size(); ++r)
        if (layer.gIdx[r] < 0 || layer.gIdx[r] >= groups)
            return Status::failure(where + "g_idx[" + str(std::int64_t(r)) + "] = " + str(layer.gIdx[r]) +
                                   " is outside [0, " + str(groups) + ")");
    return Status::success();
}

}  // namespace

std::vector<LinearShape> separateLinearShapes(const ModelArchitecture& arch) {
    std::vector<LinearShape> shapes;
    for (const char* name : {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"})
        shapes.push_back(*linearShape(arch, name));
    return shapes;
}

std::optional<LinearShape> linearShape(const ModelArchitecture& a, const std::string& name) {
    const std::int64_t q = a.heads * a.headDim, kv = a.kvHeads * a.headDim;
    const std::string hidden = "hidden_size", inter = "intermediate_size";
    if (name == "q_proj") return LinearShape{name, a.hiddenSize, q, hidden, "num_attention_heads x head_dim"};
    if (name == "k_proj" || name == "v_proj")
        return LinearShape{name, a.hiddenSize, kv, hidden, "num_key_value_heads x head_dim"};
    if (name == "qkv_proj")
        return LinearShape{name, a.hiddenSize, q + 2 * kv, hidden,
                           "(num_attention_heads + 2 x num_key_value_heads) x head_dim"};
    if (name == "o_proj") return LinearShape{name, q, a.hiddenSize, "num_attention_heads x head_dim", hidden};
    if (name == "gate_proj" || name == "up_proj")
        return LinearShape{name, a.hiddenSize, a.intermediateSize, hidden, inter};
    if (name == "gate_up_proj") return LinearShape{name, a.hiddenSize, 2 * a.intermediateSize, hidden, "2 x " + inter};
    if (name == "down_proj") return LinearShape{name, a.intermediateSize, a.hiddenSize, inter, hidden};
    return std::nullopt;
}

Status checkBlockLinears(const ModelArchitecture& arch, std::int64_t block, const std::vector<DecoderLinear>& linears) {
    const std::string where = "block " + str(block) + ": ";
    std::vector<std::string> names;
    names.reserve(linears.size());
    for (const DecoderLinear& linear : linears) names.push_back(linear.name);
    using Names = std::vector<std::string>;
    const Names attention = names.size() >= 2 && names[0] == "qkv_proj" ? Names{"qkv_proj", "o_proj"}
                                                                        : Names{"q_proj", "k_proj", "v_proj", "o_proj"};
    Names expected = attention;
    const bool fusedMlp = names.size() > attention.size() && names[attention.size()] == "gate_up_proj";
    for (const std::string& name :
         fusedMlp ? Names{"gate_up_proj", "down_proj"} : Names{"gate_proj", "up_proj", "down_proj"})
        expected.emplace_back(name);
    if (names != expected) {
        std::string got, want;
        for (const auto& name : names) got += (got.empty() ? "" : ", ") + name;
        for (const auto& name : expected) want += (want.empty() ? "" : ", ") + name;
        return Status::failure(where + "linear layers [" + got + "], expected [" + want + "]");
    }
    for (const DecoderLinear& linear : linears) {
        const LinearShape shape = *linearShape(arch, linear.name);
        const std::string at = where + linear.name + ": ";
        if (linear.layer.k != shape.k)
            return Status::failure(at + "k=" + str(linear.layer.k) + ", but " + shape.kFrom + " gives " + str(shape.k));
        if (linear.layer.n != shape.n)
            return Status::failure(at + "n=" + str(linear.layer.n) + ", but " + shape.nFrom + " gives " + str(shape.n));
        const bool qweightOnDevice = !linear.generatedQweight.empty();
        if (qweightOnDevice)
            if (Status s = checkGeneratedParts(linear, at); !s) return s;
        if (Status s = checkTensors(linear.layer, at, qweightOnDevice); !s) return s;
    }
    return Status::success();
}

}  // namespace q4
