// A GPTQ checkpoint as a model's weight source. Open checks everything the headers can tell (every
// tensor a forward pass needs is there, of a float dtype and the architecture's shape, and no
// linear layer has a bias); the data is read one block at a time when asked.
#include <cstring>

#include "checkpoint/checkpoint.h"
#include "checkpoint/tensor_bytes.h"
#include "model/block_linears.h"
#include "model/model_weights.h"

namespace q4 {
namespace {

std::string str(std::int64_t value) {
    return std::to_string(value);
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + str(shape[i]);
    return text + "]";
}

std::string blockPrefix(std::int64_t block) {
    return "model.layers." + str(block) + ".";
}

// Where a short projection name lives in a block.
std::string layerPath(std::int64_t block, const std::string& projection) {
    const bool mlp = projection == "gate_proj" || projection == "up_proj" || projection == "gate_up_proj" ||
                     projection == "down_proj";
    return blockPrefix(block) + (mlp ? "mlp." : "self_attn.") + projection;
}

// A plain (not quantized) tensor the forward pass needs, and the shape rule it must follow.
struct PlainTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::string rule;  // "[vocab_size, hidden_size]"
};

HalfBits bf16ToHalf(std::uint16_t bits) {
    const std::uint32_t wide = std::uint32_t(bits) << 16;
    float value = 0;
    std::memcpy(&value, &wide, sizeof value);
    return floatToHalf(value);
}

class CheckpointWeights final : public ModelWeightSource {
public:
    explicit CheckpointWeights(Checkpoint checkpoint) : checkpoint_(std::move(checkpoint)) {}

    // Everything open() promises, from the headers; fills the blocks' layer lists.
    Status check() {
        for (const CheckpointLayer& layer : checkpoint_.layers())
            if (layer.hasBias)
                return Status::failure(layer.name +
                                       " has a bias; the decoder runs Llama-family models without linear biases");
        const ModelArchitecture& arch = architecture();
        for (std::int64_t block = 0; block < arch.layers; ++block) {
            auto names = findBlockLayers(block);
            if (!names) return names.takeError();
            blocks_.push_back(std::move(names).value());
            for (const char* norm : {"input_layernorm.weight", "post_attention_layernorm.weight"})
                if (Status s = checkPlain(hiddenVector(blockPrefix(block) + norm)); !s) return s;
        }
        if (Status s = checkPlain(embeddingTensor()); !s) return s;
        if (Status s = checkPlain(hiddenVector("model.norm.weight")); !s) return s;
        if (!tiedHead()) return checkPlain(headTensor());
        return Status::success();
    }

    const ModelArchitecture& architecture() const override { return checkpoint_.architecture(); }
    std::string name() const override { return checkpoint_.name(); }
    int groupSize() const override { return checkpoint_.quantization().groupSize; }
    bool actOrder() const override {
        for (const CheckpointLayer& layer : checkpoint_.layers())
            if (layer.actOrder) return true;
        return false;
    }

    Expected<std::vector<HalfBits>> embedding() const override { return readPlain(embeddingTensor()); }
    Expected<std::vector<HalfBits>> lmHead() const override {
        return readPlain(tiedHead() ? embeddingTensor() : headTensor());
    }
    Expected<std::vector<HalfBits>> finalNorm() const override { return readPlain(hiddenVector("model.norm.weight")); }

    Expected<DecoderBlockNorms> blockNorms(std::int64_t block) const override {
        if (Status s = checkBlock(block); !s) return s.asError();
        auto input = readPlain(hiddenVector(blockPrefix(block) + "input_layernorm.weight"));
        if (!input) return input.takeError();
        auto post = readPlain(hiddenVector(blockPrefix(block) + "post_attention_layernorm.weight"));
        if (!post) return post.takeError();
        return DecoderBlockNorms{std::move(input).value(), std::move(post).value()};
    }

    Expected<std::vector<DecoderLinear>> blockLinears(std::int64_t block) const override {
        if (Status s = checkBlock(block); !s) return s.asError();
        std::vector<DecoderLinear> linears;
        for (const std::string& projection : blocks_[std::size_t(block)]) {
            const CheckpointLayer* layer = checkpoint_.findLayer(layerPath(block, projection));
            auto loaded = checkpoint_.loadLayer(*layer);
            if (!loaded) return loaded.takeError();
            linears.push_back({projection, std::move(loaded).value()});
        }
        if (Status s = checkBlockLinears(architecture(), block, linears); !s)
            return Error{checkpoint_.directory() + ": " + s.message};
        return linears;
    }

private:
    // The block's projections in forward order: separate or fused, never both.
    Expected<std::vector<std::string>> findBlockLayers(std::int64_t block) const {
        const auto has = [&](const std::string& projection) {
            return checkpoint_.findLayer(layerPath(block, projection)) != nullptr;
        };
        std::vector<std::string> names;
        const struct {
            const char* fused;
            std::vector<std::string> separate;
        } groups[] = {{"qkv_proj", {"q_proj", "k_proj", "v_proj"}},
                      {nullptr, {"o_proj"}},
                      {"gate_up_proj", {"gate_proj", "up_proj"}},
                      {nullptr, {"down_proj"}}};
        for (const auto& group : groups) {
            if (group.fused && has(group.fused)) {
                for (const std::string& part : group.separate)
                    if (has(part))
                        return Error{checkpoint_.directory() + ": " + layerPath(block, group.fused) + " and " +
                                     layerPath(block, part) + " are both present: a block has fused or separate " +
                                     "projections, not both"};
                names.emplace_back(group.fused);
                continue;
            }
            for (const std::string& part : group.separate) {
                if (!has(part))
                    return Error{checkpoint_.directory() + ": missing the quantized layer " + layerPath(block, part) +
                                 (group.fused ? std::string(" (or a fused ") + group.fused + ")" : std::string())};
                names.push_back(part);
            }
        }
        for (const std::string& projection : names) {
            const CheckpointLayer& layer = *checkpoint_.findLayer(layerPath(block, projection));
            const LinearShape shape = *linearShape(architecture(), projection);
            if (layer.k != shape.k || layer.n != shape.n)
                return Error{checkpoint_.directory() + ": " + layer.name + " is k x n = " + str(layer.k) + " x " +
                             str(layer.n) + ", expected " + shape.kFrom + " x " + shape.nFrom + " = " + str(shape.k) +
                             " x " + str(shape.n)};
        }
        return names;
    }

    Status checkBlock(std::int64_t block) const {
        if (block < 0 || block >= std::int64_t(blocks_.size()))
            return Status::failure("block " + str(block) +
                                   " is outside [0, num_hidden_layers=" + str(std::int64_t(blocks_.size())) + ")");
        return Status::success();
    }

    bool tiedHead() const { return architecture().tiedEmbeddings; }
    PlainTensor hiddenVector(const std::string& name) const {
        return {name, {architecture().hiddenSize}, "[hidden_size]"};
    }
    PlainTensor embeddingTensor() const {
        return {"model.embed_tokens.weight",
                {architecture().vocabSize, architecture().hiddenSize},
                "[vocab_size, hidden_size]"};
    }
    PlainTensor headTensor() const {
        return {"lm_head.weight", {architecture().vocabSize, architecture().hiddenSize}, "[vocab_size, hidden_size]"};
    }

    Status checkPlain(const PlainTensor& tensor) const {
        const std::string where = checkpoint_.directory() + ": tensor '" + tensor.name + "': ";
        const auto view = checkpoint_.tensor(tensor.name);
        if (!view) {
            if (tensor.name == "lm_head.weight")
                return Status::failure(checkpoint_.directory() +
                                       ": missing tensor 'lm_head.weight' (tie_word_embeddings is false)");
            return Status::failure(checkpoint_.directory() + ": missing tensor '" + tensor.name + "'");
        }
        const TensorDtype dtype = view->entry->dtype;
        if (dtype != TensorDtype::F16 && dtype != TensorDtype::BF16 && dtype != TensorDtype::F32)
            return Status::failure(where + "dtype " + dtypeName(dtype) + ", expected F16, BF16 or F32");
        if (view->entry->shape != tensor.shape)
            return Status::failure(where + "shape " + shapeText(view->entry->shape) + ", expected " + tensor.rule +
                                   " = " + shapeText(tensor.shape));
        return Status::success();
    }

    // As fp16 bits, whatever float type the file stores.
    Expected<std::vector<HalfBits>> readPlain(const PlainTensor& tensor) const {
        if (Status s = checkPlain(tensor); !s) return s.asError();
        const Checkpoint::TensorView view = *checkpoint_.tensor(tensor.name);
        const auto count = std::size_t(view.entry->elements());
        switch (view.entry->dtype) {
            case TensorDtype::F16:
                return copyLittleEndian<HalfBits>(view.data, count);
            case TensorDtype::BF16: {
                std::vector<HalfBits> values = copyLittleEndian<std::uint16_t>(view.data, count);
                for (HalfBits& value : values) value = bf16ToHalf(value);
                return values;
            }
            case TensorDtype::F32: {
                const std::vector<float> wide = copyLittleEndian<float>(view.data, count);
                std::vector<HalfBits> values(count);
                for (std::size_t i = 0; i < count; ++i) values[i] = floatToHalf(wide[i]);
                return values;
            }
            case TensorDtype::I32:
                break;
        }
        return Error{"unreachable: dtype checked above"};
    }

    Checkpoint checkpoint_;
    std::vector<std::vector<std::string>> blocks_;  // each block's projections, forward order
};

}  // namespace

Expected<std::unique_ptr<ModelWeightSource>> openCheckpointWeights(const std::string& directory) {
    auto checkpoint = Checkpoint::open(directory);
    if (!checkpoint) return checkpoint.takeError();
    auto weights = std::make_unique<CheckpointWeights>(std::move(checkpoint).value());
    if (Status s = weights->check(); !s) return s.asError();
    return std::unique_ptr<ModelWeightSource>(std::move(weights));
}

}  // namespace q4
