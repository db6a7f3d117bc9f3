// The reference decoder (docs/model.md): one forward pass over a set of rows, each a (sequence,
// position) with its token, used by prefill (the prompt's rows, up to kChunkRows at a time) and by
// decode (one row per sequence). Every output element is summed in the same order whichever rows
// run together, so a decode step gives the same logits as a longer prefill.
#include "model/cpu_decoder.h"

#include <algorithm>
#include <chrono>

#include "model/component_clock.h"
#include "model/dense_model.h"
#include "model/reference_ops.h"
#include "model/rope.h"

namespace q4 {
namespace {

constexpr std::int64_t kChunkRows = 4096;  // prefill rows per pass, as docs/model.md bounds them

std::string str(std::int64_t value) {
    return std::to_string(value);
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct RowPlace {
    std::int64_t sequence = 0;
    std::int64_t position = 0;
};

class CpuDecoder final : public ModelInstance {
public:
    CpuDecoder(DenseModel model, const ModelLoadOptions& options, std::int64_t maxBytes, double loadSeconds)
        : model_(std::move(model)),
          arch_(model_.arch),
          options_(options),
          maxBytes_(maxBytes),
          loadSeconds_(loadSeconds),
          invFreq_(ropeInverseFrequencies(arch_)),
          qDim_(arch_.heads * arch_.headDim),
          kvDim_(arch_.kvHeads * arch_.headDim) {
        peak_ = memory().total();
    }

    double loadSeconds() const override { return loadSeconds_; }

    ModelMemory memory() const override {
        ModelMemory memory;
        // The CPU holds the linear layers dequantized to fp32 (no scales, zeros or g_idx): they
        // are counted as quantWeights, the bytes that stand in for the packed weights.
        memory.quantWeights = model_.linearBytes();
        memory.embeddings = model_.otherBytes();
        memory.kvCache = bytesOf(kCache_) + bytesOf(vCache_);
        for (const auto* buffer : {&x_, &h_, &qkv_, &attn_, &proj_, &gateUp_, &act_, &lastX_, &headH_, &logits_})
            memory.activations += std::int64_t(buffer->size() * sizeof(float));
        return memory;
    }
    std::int64_t peakBytes() const override { return peak_; }

    Status setBatch(std::int64_t batch) override {
        if (batch < 1 || batch > options_.maxBatch)
            return Status::failure("batch=" + str(batch) + " is outside [1, max_batch=" + str(options_.maxBatch) + "]",
                                   "batch");
        const double cacheBytes =
            2.0 * double(arch_.layers) * double(batch) * double(options_.maxContext) * double(kvDim_) * sizeof(float);
        if (cacheBytes > double(maxBytes_))
            return Status::failure("the KV cache for batch=" + str(batch) +
                                       " x max_context=" + str(options_.maxContext) + " takes " +
                                       str(std::int64_t(cacheBytes)) + " bytes as fp32, above the CPU " +
                                       "decoder's limit of " + str(maxBytes_) + " bytes",
                                   "batch");
        batch_ = batch;
        length_ = 0;
        const std::int64_t rows = std::max(batch, std::min(kChunkRows, batch * options_.maxContext));
        const auto cells = [](std::int64_t a, std::int64_t b) { return std::vector<float>(std::size_t(a * b)); };
        const std::int64_t hidden = arch_.hiddenSize;
        x_ = cells(rows, hidden);
        h_ = cells(rows, hidden);
        qkv_ = cells(rows, qDim_ + 2 * kvDim_);
        attn_ = cells(rows, qDim_);
        proj_ = cells(rows, hidden);
        gateUp_ = cells(rows, 2 * arch_.intermediateSize);
        act_ = cells(rows, arch_.intermediateSize);
        lastX_ = cells(batch, hidden);
        headH_ = cells(batch, hidden);
        logits_ = cells(batch, arch_.vocabSize);
        const std::int64_t cache = batch * options_.maxContext * kvDim_;
        kCache_.assign(model_.blocks.size(), {});
        vCache_.assign(model_.blocks.size(), {});
        for (std::size_t b = 0; b < model_.blocks.size(); ++b) {
            kCache_[b] = std::vector<float>(std::size_t(cache));
            vCache_[b] = std::vector<float>(std::size_t(cache));
        }
        peak_ = std::max(peak_, memory().total());
        return Status::success();
    }

    Expected<StepOutput> prefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                 bool wantLogits) override {
        if (Status s = checkPrompt(prompt, promptLength); !s) return s.asError();
        ComponentClock untimed(false);
        return runPrefill(prompt, promptLength, wantLogits, untimed);
    }

    Expected<StepOutput> decode(const std::vector<std::int32_t>& tokens, bool wantLogits) override {
        ComponentClock untimed(false);
        return runDecode(tokens, wantLogits, untimed);
    }

    Expected<GenerationTimes> generate(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                       std::int64_t newTokens) override {
        if (Status s = checkPrompt(prompt, promptLength); !s) return s.asError();
        if (newTokens < 1 || promptLength + newTokens > options_.maxContext)
            return Error{"new_tokens=" + str(newTokens) + " must be at least 1, and prompt=" + str(promptLength) +
                             " + new_tokens at most max_context=" + str(options_.maxContext),
                         "new_tokens"};
        GenerationTimes times;
        times.generated.resize(std::size_t(batch_ * newTokens));
        const auto keep = [&](const std::vector<std::int32_t>& tokens, std::int64_t step) {
            for (std::int64_t s = 0; s < batch_; ++s)
                times.generated[std::size_t(s * newTokens + step)] = tokens[std::size_t(s)];
        };
        ComponentClock untimed(false);
        auto start = std::chrono::steady_clock::now();
        auto step = runPrefill(prompt, promptLength, false, untimed);
        times.prefillSeconds = secondsSince(start);
        for (std::int64_t t = 1; step && t < newTokens; ++t) {
            keep(step->tokens, t - 1);
            start = std::chrono::steady_clock::now();
            step = runDecode(step->tokens, false, untimed);
            times.stepSeconds.push_back(secondsSince(start));
        }
        if (!step) return step.takeError();
        keep(step->tokens, newTokens - 1);
        return times;
    }

    Expected<StepProfile> profileStep(const std::vector<std::int32_t>& prompt, std::int64_t contextLength) override {
        if (Status s = checkPrompt(prompt, contextLength); !s) return s.asError();
        if (contextLength + 1 > options_.maxContext)
            return Error{"context=" + str(contextLength) + " leaves no position for a decode step: context + 1 " +
                             "must be at most max_context=" + str(options_.maxContext),
                         "context"};
        ComponentClock untimed(false);
        auto first = runPrefill(prompt, contextLength, false, untimed);
        if (!first) return first.takeError();
        ComponentClock clock(true);
        auto step = runDecode(first->tokens, false, clock);
        if (!step) return step.takeError();
        return clock.profile();
    }

private:
    template <class T>
    static std::int64_t bytesOf(const std::vector<std::vector<T>>& buffers) {
        std::int64_t bytes = 0;
        for (const auto& buffer : buffers) bytes += std::int64_t(buffer.size() * sizeof(T));
        return bytes;
    }

    Status checkTokens(const std::vector<std::int32_t>& tokens, const char* what) const {
        for (std::size_t i = 0; i < tokens.size(); ++i)
            if (tokens[i] < 0 || tokens[i] >= arch_.vocabSize)
                return Status::failure(std::string(what) + " token " + str(tokens[i]) + " at index " +
                                           str(std::int64_t(i)) + " is outside [0, vocab_size=" + str(arch_.vocabSize) +
                                           ")",
                                       what);
        return Status::success();
    }

    Status checkPrompt(const std::vector<std::int32_t>& prompt, std::int64_t promptLength) const {
        if (batch_ == 0) return Status::failure("no batch size: call setBatch before running the model", "batch");
        if (promptLength < 1 || promptLength > options_.maxContext)
            return Status::failure(
                "prompt=" + str(promptLength) + " must be from 1 to max_context=" + str(options_.maxContext), "prompt");
        if (std::int64_t(prompt.size()) != batch_ * promptLength)
            return Status::failure("the prompt has " + str(std::int64_t(prompt.size())) +
                                       " tokens, expected batch=" + str(batch_) + " x prompt=" + str(promptLength) +
                                       " = " + str(batch_ * promptLength),
                                   "prompt");
        return checkTokens(prompt, "prompt");
    }

    Expected<StepOutput> runPrefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength, bool wantLogits,
                                    ComponentClock& clock) {
        length_ = 0;
        const std::int64_t rows = batch_ * promptLength;
        std::vector<RowPlace> places;
        const std::int64_t hidden = arch_.hiddenSize;
        for (std::int64_t begin = 0; begin < rows; begin += kChunkRows) {
            const std::int64_t end = std::min(rows, begin + kChunkRows);
            places.clear();
            for (std::int64_t r = begin; r < end; ++r) places.push_back({r / promptLength, r % promptLength});
            forward(prompt.data() + begin, places, clock);
            for (std::int64_t i = 0; i < end - begin; ++i)
                if (places[std::size_t(i)].position == promptLength - 1)
                    std::copy_n(x_.data() + i * hidden, hidden,
                                lastX_.data() + places[std::size_t(i)].sequence * hidden);
        }
        length_ = promptLength;
        return head(lastX_.data(), wantLogits, clock);
    }

    Expected<StepOutput> runDecode(const std::vector<std::int32_t>& tokens, bool wantLogits, ComponentClock& clock) {
        if (length_ == 0) return Error{"decode needs a prefill first"};
        if (std::int64_t(tokens.size()) != batch_)
            return Error{"decode got " + str(std::int64_t(tokens.size())) +
                             " tokens, expected one per sequence (batch=" + str(batch_) + ")",
                         "tokens"};
        if (length_ + 1 > options_.maxContext)
            return Error{"new_tokens: position " + str(length_) + " is past max_context=" + str(options_.maxContext) +
                             " (prompt + new tokens must fit the KV cache)",
                         "new_tokens"};
        if (Status s = checkTokens(tokens, "decode"); !s) return s.asError();
        std::vector<RowPlace> places;
        for (std::int64_t s = 0; s < batch_; ++s) places.push_back({s, length_});
        forward(tokens.data(), places, clock);
        ++length_;
        return head(x_.data(), wantLogits, clock);
    }

    // Rows of tokens through every block; leaves each row's residual stream in x_.
    void forward(const std::int32_t* tokens, const std::vector<RowPlace>& places, ComponentClock& clock) {
        const auto m = std::int64_t(places.size());
        const std::int64_t hidden = arch_.hiddenSize, inter = arch_.intermediateSize;
        const std::int64_t qkvWidth = qDim_ + 2 * kvDim_;
        clock.time(Component::Embedding, [&] {
            for (std::int64_t i = 0; i < m; ++i)
                std::copy_n(model_.embedding.data() + std::int64_t(tokens[i]) * hidden, hidden, x_.data() + i * hidden);
        });
        const auto residual = [&] {
            for (std::int64_t i = 0; i < m * hidden; ++i) x_[std::size_t(i)] += proj_[std::size_t(i)];
        };
        for (std::size_t b = 0; b < model_.blocks.size(); ++b) {
            const DenseBlock& block = model_.blocks[b];
            clock.time(Component::Norms, [&] { normRows(block.inputNorm, m); });
            clock.time(Component::QkvProj, [&] {
                for (const DenseLinear& l : block.attentionIn)
                    linearRows(h_.data(), m, l.w.data(), l.k, l.n, qkv_.data(), qkvWidth, l.outOffset);
            });
            clock.time(Component::Attention, [&] { attention(b, places); });
            clock.time(Component::OProj,
                       [&] { linearRows(attn_.data(), m, block.o.w.data(), qDim_, hidden, proj_.data(), hidden, 0); });
            clock.time(Component::Residual, residual);
            clock.time(Component::Norms, [&] { normRows(block.postAttentionNorm, m); });
            clock.time(Component::GateUpProj, [&] {
                for (const DenseLinear& l : block.mlpIn)
                    linearRows(h_.data(), m, l.w.data(), l.k, l.n, gateUp_.data(), 2 * inter, l.outOffset);
            });
            clock.time(Component::MlpAct, [&] {
                for (std::int64_t i = 0; i < m; ++i)
                    siluMul(gateUp_.data() + i * 2 * inter, gateUp_.data() + i * 2 * inter + inter, inter,
                            act_.data() + i * inter);
            });
            clock.time(Component::DownProj, [&] {
                linearRows(act_.data(), m, block.down.w.data(), inter, hidden, proj_.data(), hidden, 0);
            });
            clock.time(Component::Residual, residual);
        }
    }

    void normRows(const std::vector<float>& weight, std::int64_t m) {
        const std::int64_t hidden = arch_.hiddenSize;
        for (std::int64_t i = 0; i < m; ++i)
            rmsNormRow(x_.data() + i * hidden, weight.data(), hidden, arch_.rmsNormEps, h_.data() + i * hidden);
    }

    // RoPE on q and k, k and v into the cache, then each row attends to its sequence's positions up
    // to its own (the cache holds the whole chunk first, so rows of one prompt see each other).
    void attention(std::size_t block, const std::vector<RowPlace>& places) {
        const std::int64_t d = arch_.headDim, qkvWidth = qDim_ + 2 * kvDim_;
        float* kCache = kCache_[block].data();
        float* vCache = vCache_[block].data();
        const auto cacheRow = [&](const RowPlace& place) {
            return (place.sequence * options_.maxContext + place.position) * kvDim_;
        };
        for (std::size_t i = 0; i < places.size(); ++i) {
            float* row = qkv_.data() + std::int64_t(i) * qkvWidth;
            const std::int64_t position = places[i].position;
            for (std::int64_t head = 0; head < arch_.heads; ++head) applyRope(row + head * d, d, position, invFreq_);
            for (std::int64_t head = 0; head < arch_.kvHeads; ++head)
                applyRope(row + qDim_ + head * d, d, position, invFreq_);
            std::copy_n(row + qDim_, kvDim_, kCache + cacheRow(places[i]));
            std::copy_n(row + qDim_ + kvDim_, kvDim_, vCache + cacheRow(places[i]));
        }
        const std::int64_t group = arch_.heads / arch_.kvHeads;
        for (std::size_t i = 0; i < places.size(); ++i) {
            const float* q = qkv_.data() + std::int64_t(i) * qkvWidth;
            const std::int64_t first = cacheRow({places[i].sequence, 0});
            for (std::int64_t head = 0; head < arch_.heads; ++head) {
                const std::int64_t kvHead = head / group;
                attendHead(q + head * d, kCache + first + kvHead * d, vCache + first + kvHead * d,
                           places[i].position + 1, kvDim_, d, attn_.data() + std::int64_t(i) * qDim_ + head * d);
            }
        }
    }

    // Final norm, logits and the greedy token for each sequence's last row (rows of xs).
    StepOutput head(const float* xs, bool wantLogits, ComponentClock& clock) {
        const std::int64_t hidden = arch_.hiddenSize, vocab = arch_.vocabSize;
        StepOutput out;
        clock.time(Component::Norms, [&] {
            for (std::int64_t s = 0; s < batch_; ++s)
                rmsNormRow(xs + s * hidden, model_.finalNorm.data(), hidden, arch_.rmsNormEps,
                           headH_.data() + s * hidden);
        });
        clock.time(Component::LmHead, [&] {
            for (std::int64_t s = 0; s < batch_; ++s)
                logitsRow(headH_.data() + s * hidden, model_.head().data(), vocab, hidden, logits_.data() + s * vocab);
        });
        clock.time(Component::Sampling, [&] {
            for (std::int64_t s = 0; s < batch_; ++s) out.tokens.push_back(argMax(logits_.data() + s * vocab, vocab));
        });
        if (wantLogits) out.logits.assign(logits_.begin(), logits_.begin() + batch_ * vocab);
        return out;
    }

    DenseModel model_;
    const ModelArchitecture& arch_;
    ModelLoadOptions options_;
    std::int64_t maxBytes_;
    double loadSeconds_;
    std::vector<double> invFreq_;
    std::int64_t qDim_, kvDim_;
    std::int64_t batch_ = 0;   // 0 until setBatch
    std::int64_t length_ = 0;  // positions in the cache per sequence; 0: no sequence in progress
    std::int64_t peak_ = 0;
    // Activations for up to kChunkRows rows (x_ is the fp32 residual stream; the rest hold fp16 values).
    std::vector<float> x_, h_, qkv_, attn_, proj_, gateUp_, act_;
    std::vector<float> lastX_, headH_, logits_;        // per sequence
    std::vector<std::vector<float>> kCache_, vCache_;  // per block: [batch, max_context, kv_heads x head_dim]
};

}  // namespace

Expected<std::unique_ptr<ModelInstance>> loadCpuDecoder(const ModelWeightSource& weights,
                                                        const ModelLoadOptions& options, std::int64_t maxBytes) {
    const auto start = std::chrono::steady_clock::now();
    const ModelArchitecture& arch = weights.architecture();
    if (Status s = validateArchitecture(arch); !s) return s.asError();
    if (options.maxBatch < 1) return Error{"max_batch=" + str(options.maxBatch) + " must be at least 1", "max_batch"};
    if (options.maxContext < 1)
        return Error{"max_context=" + str(options.maxContext) + " must be at least 1", "max_context"};
    if (Status s = checkRopeContext(arch, options.maxContext); !s) return s.asError();
    auto model = loadDenseModel(weights, maxBytes, options.sparsity);
    if (!model) return model.takeError();
    return std::unique_ptr<ModelInstance>(
        std::make_unique<CpuDecoder>(std::move(model).value(), options, maxBytes, secondsSince(start)));
}

}  // namespace q4
