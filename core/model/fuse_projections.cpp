#include "model/fuse_projections.h"

#include <algorithm>

namespace q4 {
namespace {

// Appends each layer's rows of a [rows, n]-shaped tensor side by side: row r of the result is
// row r of every layer in turn.
template <class T>
std::vector<T> concatenateRows(const std::vector<const std::vector<T>*>& parts, std::int64_t rows,
                               const std::vector<std::int64_t>& widths) {
    std::int64_t total = 0;
    for (std::int64_t w : widths) total += w;
    std::vector<T> out;
    out.reserve(std::size_t(rows * total));
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::size_t p = 0; p < parts.size(); ++p) {
            const auto begin = parts[p]->begin() + std::ptrdiff_t(r * widths[p]);
            out.insert(out.end(), begin, begin + std::ptrdiff_t(widths[p]));
        }
    return out;
}

const DecoderLinear* find(const std::vector<DecoderLinear>& linears, const char* name) {
    for (const DecoderLinear& l : linears)
        if (l.name == name) return &l;
    return nullptr;
}

}  // namespace

bool canFuseColumns(const std::vector<const GptqLayer*>& layers) {
    if (layers.size() < 2) return false;
    const GptqLayer& first = *layers.front();
    return std::all_of(layers.begin(), layers.end(), [&](const GptqLayer* l) {
        return l->k == first.k && l->groupSize == first.groupSize && l->zeroFormat == first.zeroFormat &&
               l->gIdx == first.gIdx && l->n % 8 == 0;
    });
}

GptqLayer fuseColumns(const std::vector<const GptqLayer*>& layers) {
    const GptqLayer& first = *layers.front();
    GptqLayer fused;
    fused.k = first.k;
    fused.groupSize = first.groupSize;
    fused.zeroFormat = first.zeroFormat;
    fused.gIdx = first.gIdx;
    std::vector<std::int64_t> n, packedN;
    std::vector<const std::vector<std::int32_t>*> qweights, qzeros;
    std::vector<const std::vector<HalfBits>*> scales;
    for (const GptqLayer* l : layers) {
        fused.n += l->n;
        n.push_back(l->n);
        packedN.push_back(l->n / 8);
        qweights.push_back(&l->qweight);
        qzeros.push_back(&l->qzeros);
        scales.push_back(&l->scales);
    }
    const std::int64_t groups = first.numGroups();
    // Layers whose words the device generates have none here (their parts are fused by offset).
    const bool hostWords = std::none_of(layers.begin(), layers.end(), [](const GptqLayer* l) { return l->qweight.empty(); });
    if (hostWords) fused.qweight = concatenateRows(qweights, first.k / 8, n);
    fused.qzeros = concatenateRows(qzeros, groups, packedN);
    fused.scales = concatenateRows(scales, groups, n);
    return fused;
}

std::vector<DecoderLinear> fuseProjections(std::vector<DecoderLinear> linears) {
    const auto fuse = [&](std::vector<const char*> names, const char* fusedName) {
        std::vector<const GptqLayer*> layers;
        std::vector<GeneratedQweightPart> parts;
        std::int64_t column = 0;
        std::size_t generated = 0;
        for (const char* name : names) {
            const DecoderLinear* l = find(linears, name);
            if (!l) return;
            layers.push_back(&l->layer);
            generated += l->generatedQweight.empty() ? 0 : 1;
            for (GeneratedQweightPart part : l->generatedQweight) {
                part.firstColumn += column;
                parts.push_back(part);
            }
            column += l->layer.n;
        }
        // Host words and device-generated words cannot share one qweight.
        if (!canFuseColumns(layers) || (generated != 0 && generated != names.size())) return;
        DecoderLinear fused{fusedName, fuseColumns(layers), std::move(parts)};
        // The fused layer takes the first one's place; the others go.
        auto at = std::find_if(linears.begin(), linears.end(), [&](const DecoderLinear& l) { return l.name == names[0]; });
        *at = std::move(fused);
        for (std::size_t i = 1; i < names.size(); ++i)
            linears.erase(std::find_if(linears.begin(), linears.end(),
                                       [&](const DecoderLinear& l) { return l.name == names[i]; }));
    };
    fuse({"q_proj", "k_proj", "v_proj"}, "qkv_proj");
    fuse({"gate_proj", "up_proj"}, "gate_up_proj");
    return linears;
}

}  // namespace q4
