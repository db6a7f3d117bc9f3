// Seeded random GPTQ weights. Every value is a counter-based hash of (seed, block, tensor, index)
// (counter_hash.h), so a tensor needs no generator state: blocks come out the same in any order
// and on any thread, and fast enough to make a 13B-sized block in a fraction of a second (the
// packed words are filled straight from the hash, since each nibble is uniform). The same hash
// lets the device make the packed words itself (blockLinearsWithoutQweight).
#include <cmath>

#include "model/block_linears.h"
#include "model/counter_hash.h"
#include "model/model_weights.h"

namespace q4 {
namespace {

// Tensor ids inside a block; the model-wide tensors use block -1.
enum TensorId : std::uint64_t {
    kEmbedding = 1,
    kLmHead,
    kFinalNorm,
    kInputNorm,
    kPostNorm,
    kLinears = 16,  // linear j uses kLinears + 4 j + part
};
enum LinearPart : std::uint64_t { kQweight, kScales, kGIdx };

// The values of one tensor: element i is the i-th output of splitmix64 started at key.
class Stream {
public:
    Stream(std::uint64_t seed, std::int64_t block, std::uint64_t tensor) : key_(counterStreamKey(seed, block, tensor)) {}
    std::uint64_t key() const { return key_; }
    std::uint64_t at(std::uint64_t i) const { return counterAt(key_, i); }
    double uniform(std::uint64_t i) const { return double(at(i) >> 11) * 0x1.0p-53; }  // [0, 1)

private:
    std::uint64_t key_;
};

// count fp16 values lo + (hi - lo) u, u uniform from 16 hash bits (four values per hash: fp16
// keeps 11 bits anyway).
std::vector<HalfBits> uniformHalves(const Stream& stream, std::int64_t count, double lo, double hi) {
    std::vector<HalfBits> values(static_cast<std::size_t>(count));
    const double step = (hi - lo) / 65536.0;
    for (std::int64_t i = 0; i < count; i += 4) {
        const std::uint64_t h = stream.at(std::uint64_t(i / 4));
        for (std::int64_t j = 0; j < 4 && i + j < count; ++j) {
            const auto u = double((h >> (16 * j)) & 0xFFFFu) + 0.5;
            values[std::size_t(i + j)] = floatToHalf(float(lo + step * u));
        }
    }
    return values;
}

class RandomWeights final : public ModelWeightSource {
public:
    RandomWeights(const ModelArchitecture& arch, std::string name, const RandomWeightOptions& options)
        : arch_(arch), name_(std::move(name)), options_(options), shapes_(separateLinearShapes(arch)) {}

    const ModelArchitecture& architecture() const override { return arch_; }
    std::string name() const override { return name_; }
    int groupSize() const override { return options_.groupSize; }
    bool actOrder() const override {
        if (!options_.actOrder || options_.groupSize < 0) return false;
        for (const LinearShape& shape : shapes_)
            if (shape.k > options_.groupSize) return true;
        return false;  // one group per layer: every g_idx is the natural one
    }

    Expected<std::vector<HalfBits>> embedding() const override {
        return uniformHalves(Stream(options_.seed, -1, kEmbedding), arch_.vocabSize * arch_.hiddenSize, -1.0, 1.0);
    }
    Expected<std::vector<HalfBits>> lmHead() const override {
        if (arch_.tiedEmbeddings) return embedding();
        // Unit-rms rows of h give logits of unit standard deviation: var(U(-a, a)) = a^2 / 3.
        const double bound = std::sqrt(3.0 / double(arch_.hiddenSize));
        return uniformHalves(Stream(options_.seed, -1, kLmHead), arch_.vocabSize * arch_.hiddenSize, -bound, bound);
    }
    Expected<std::vector<HalfBits>> finalNorm() const override { return norm(-1, kFinalNorm); }
    Expected<DecoderBlockNorms> blockNorms(std::int64_t block) const override {
        if (Status s = checkBlock(block); !s) return s.asError();
        return DecoderBlockNorms{norm(block, kInputNorm), norm(block, kPostNorm)};
    }

    Expected<std::vector<DecoderLinear>> blockLinears(std::int64_t block) const override {
        return linearsOf(block, true);
    }
    bool generatesQweightOnDevice() const override { return true; }
    Expected<std::vector<DecoderLinear>> blockLinearsWithoutQweight(std::int64_t block) const override {
        return linearsOf(block, false);
    }

private:
    Status checkBlock(std::int64_t block) const {
        if (block < 0 || block >= arch_.layers)
            return Status::failure("block " + std::to_string(block) +
                                   " is outside [0, num_hidden_layers=" + std::to_string(arch_.layers) + ")");
        return Status::success();
    }

    Expected<std::vector<DecoderLinear>> linearsOf(std::int64_t block, bool hostQweight) const {
        if (Status s = checkBlock(block); !s) return s.asError();
        std::vector<DecoderLinear> linears;
        for (std::size_t j = 0; j < shapes_.size(); ++j) {
            const std::uint64_t id = kLinears + 4 * j;
            DecoderLinear linear{shapes_[j].name, makeLayer(block, id, shapes_[j], hostQweight)};
            if (!hostQweight)
                linear.generatedQweight = {{Stream(options_.seed, block, id + kQweight).key(), 0, shapes_[j].n}};
            linears.push_back(std::move(linear));
        }
        return linears;
    }

    std::vector<HalfBits> norm(std::int64_t block, TensorId id) const {
        return uniformHalves(Stream(options_.seed, block, id), arch_.hiddenSize, 0.9, 1.1);
    }

    // hostQweight false leaves qweight empty: its words are counterWord(key of id + kQweight, i).
    GptqLayer makeLayer(std::int64_t block, std::uint64_t id, const LinearShape& shape, bool hostQweight) const {
        GptqLayer layer;
        layer.k = shape.k;
        layer.n = shape.n;
        layer.groupSize = options_.groupSize;
        layer.zeroFormat = ZeroFormat::V1;
        const std::int64_t groups = layer.numGroups();

        // Uniform words have uniform nibbles: two words per hash.
        if (hostQweight) {
            layer.qweight.resize(std::size_t(shape.k / 8 * shape.n));
            const Stream words(options_.seed, block, id + kQweight);
            for (std::size_t i = 0; i < layer.qweight.size(); i += 2) {
                const std::uint64_t h = words.at(i / 2);
                layer.qweight[i] = std::int32_t(std::uint32_t(h));
                if (i + 1 < layer.qweight.size()) layer.qweight[i + 1] = std::int32_t(std::uint32_t(h >> 32));
            }
        }

        // Symmetric: true zero 8, which v1 stores as 7 in every nibble.
        layer.qzeros.assign(std::size_t(groups * shape.n / 8), std::int32_t(0x77777777));

        // q - 8 for uniform q in 0..15 has rms sqrt(21.5) ~ 4.6, so a row of k such weights times
        // unit activations sums to about unit scale.
        const double base = 1.0 / (4.6 * std::sqrt(double(shape.k)));
        const Stream scales(options_.seed, block, id + kScales);
        layer.scales.resize(std::size_t(groups * shape.n));
        for (std::size_t i = 0; i < layer.scales.size(); ++i)
            layer.scales[i] = floatToHalf(float(base * (0.5 + scales.uniform(i))));

        layer.gIdx = options_.actOrder ? actOrderGroupIndex(shape.k, options_.groupSize,
                                                            Stream(options_.seed, block, id + kGIdx).at(0))
                                       : naturalGroupIndex(shape.k, options_.groupSize);
        return layer;
    }

    ModelArchitecture arch_;
    std::string name_;
    RandomWeightOptions options_;
    std::vector<LinearShape> shapes_;
};

}  // namespace

Expected<std::unique_ptr<ModelWeightSource>> makeRandomWeights(const ModelArchitecture& arch, const std::string& name,
                                                               const RandomWeightOptions& options) {
    if (Status s = validateArchitecture(arch); !s) return s.asError();
    for (const LinearShape& shape : separateLinearShapes(arch)) {
        const Status s = validateLayerShape(shape.k, shape.n, options.groupSize);
        if (s) continue;
        const bool aboutGroup = s.message.find("group size") != std::string::npos;
        return Error{shape.name + " (k = " + shape.kFrom + " = " + std::to_string(shape.k) + ", n = " + shape.nFrom +
                         " = " + std::to_string(shape.n) + ", group_size " + std::to_string(options.groupSize) +
                         "): " + s.message,
                     aboutGroup ? "group_size" : ""};
    }
    return std::unique_ptr<ModelWeightSource>(std::make_unique<RandomWeights>(arch, name, options));
}

}  // namespace q4
