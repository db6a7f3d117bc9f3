// The CUDA decoder (docs/model.md): the fp32 residual stream and fp16 activations on the device,
// every linear layer through one registered kernel (a GpuKernel per layer, prepared once for the
// largest m the model gives it), our embedding, RMSNorm, RoPE + KV-cache and attention kernels
// (decoder_ops.h), the LM head through cuBLAS, and greedy sampling on the device.
//
// Load: the source makes block b + 1 on a worker thread while block b is prepared and uploaded.
// A source that generates packed weights on the device (random weights) hands out the small
// tensors only; each layer's qweight is generated into one staging buffer and prepared from there.
// The kernels' large scratch buffers (cuBLAS workspaces, dequantized weight tiles, act-order
// activation copies, split-k partials) are shared between layers through the allocator's
// shared-workspace mode: layers run one after another on one stream, so they never use scratch
// at the same time. No registered kernel keeps data in such a buffer from one run to the next, so
// none is excluded: dequant_cublas and exllama_style dequantize into their k x n scratch on every
// run; exllama_style and tc_int4 (so best_int4, gemv_int4, wgmma_int4) rewrite their act-order
// activation copy on every run; gptq_naive and gptq_half2 zero their fp32 sums first; split-k
// partials (tc_int4, wgmma_int4) are written and summed within one launch; cuBLAS workspaces are
// scratch per call. The only state kept between runs, the split-k tile counters that must stay
// zeroed, is a few KiB, far below the sharing threshold, and stays private.
//
// Decode steps: the current length lives on the device; every kernel of a step reads it (the
// split-KV attention, sized for the largest context, which also applies RoPE and appends the
// step's key and value to the cache; the argmax that files the token by position) and the step's last kernel adds one, so one captured graph replays every
// step: embedding -> blocks -> final norm -> LM head -> argmax -> length + 1.
#include "decoder/cuda_decoder.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "cuda/cublas_handle.h"
#include "cuda/cuda_check.h"
#include "decoder/decoder_launch.h"
#include "decoder/decoder_ops.h"
#include "decoder/generated_weights.h"
#include "decoder/kernel_trace.h"
#include "decoder/step_attribution.h"
#include "model/block_linears.h"
#include "model/fuse_projections.h"
#include "model/prune_linears.h"
#include "model/model_record.h"
#include "model/rope.h"

namespace q4 {
namespace {

constexpr std::int64_t kPrefillRows = 4096;  // rows per prefill pass (docs/model.md)

std::string str(std::int64_t value) { return std::to_string(value); }

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

enum class Role { Q, K, V, Qkv, O, Gate, Up, GateUp, Down };

bool roleOf(const std::string& name, Role& role) {
    static const std::pair<const char*, Role> kRoles[] = {
        {"q_proj", Role::Q},       {"k_proj", Role::K},       {"v_proj", Role::V},
        {"qkv_proj", Role::Qkv},   {"o_proj", Role::O},       {"gate_proj", Role::Gate},
        {"up_proj", Role::Up},     {"gate_up_proj", Role::GateUp}, {"down_proj", Role::Down},
    };
    for (const auto& [known, r] : kRoles)
        if (name == known) {
            role = r;
            return true;
        }
    return false;
}

bool isAttentionInput(Role r) { return r == Role::Q || r == Role::K || r == Role::V || r == Role::Qkv; }
bool isMlpInput(Role r) { return r == Role::Gate || r == Role::Up || r == Role::GateUp; }

// The checkpoint's module name: model.layers.3.self_attn.q_proj, model.layers.3.mlp.down_proj.
std::string moduleName(std::int64_t block, const std::string& name, Role role) {
    const bool attention = isAttentionInput(role) || role == Role::O;
    return "model.layers." + str(block) + (attention ? ".self_attn." : ".mlp.") + name;
}

bool naturalOrder(const GptqLayer& layer) {
    const std::int64_t group = layer.effectiveGroupSize();
    for (std::size_t r = 0; r < layer.gIdx.size(); ++r)
        if (layer.gIdx[r] != std::int32_t(std::int64_t(r) / group)) return false;
    return true;
}

// Every zero point is 8 (the symmetric quantizer's): each stored word repeats its nibble.
bool symmetricZeros(const GptqLayer& layer) {
    const auto pattern = std::int32_t(0x11111111u * std::uint32_t(encodeZero(8, layer.zeroFormat)));
    return std::all_of(layer.qzeros.begin(), layer.qzeros.end(), [&](std::int32_t w) { return w == pattern; });
}

struct Linear {
    Role role = Role::Q;
    std::string name;  // the module name
    std::int64_t n = 0, k = 0;
    std::unique_ptr<GpuKernel> kernel;
};

struct Block {
    DeviceBuffer inputNorm, postNorm;
    std::vector<Linear> linears;  // forward order
    bool fusedQkv = false, fusedGateUp = false;
};

// One forward pass over rows [sequence][position]: a prefill chunk or a decode step.
struct Pass {
    std::int64_t rows = 0;       // rows through the linear layers (batch x positions)
    std::int64_t positions = 1;  // positions per sequence in the pass
    std::int64_t start = 0;      // the first position (prefill)
    bool decode = false;         // positions from the device length; split-KV attention
    const std::int32_t* tokens = nullptr;
    std::int64_t tokenStride = 1, tokenOffset = 0;
    bool last = true;  // ends with the final norm, the LM head and sampling
};

// Component boundaries of a profiled step. With CUPTI (kernel_trace.h) nothing is added to the
// step: while the step's graph is captured, each boundary notes the last node captured so far;
// direct launches are tagged with the component's index. Without CUPTI, an event is recorded at
// each boundary (into the stream, or while capturing as an event-record node).
struct StepMarks {
    enum class Mode { GraphNodes, Tags, Events };
    Mode mode = Mode::Events;
    const std::vector<cudaEvent_t>* events = nullptr;  // Events
    bool capturing = false;                            // Events: record as graph nodes
    std::vector<std::string> names;                    // names[i] runs from boundary i to boundary i + 1
    std::vector<cudaGraphNode_t> boundaries;           // GraphNodes: the last node before names[i]
    Status status;

    void mark(const char* name, cudaStream_t stream) {
        if (!status || (!names.empty() && names.back() == name)) return;
        switch (mode) {
            case Mode::GraphNodes: status = noteLastNode(stream); break;
            case Mode::Tags: status = KernelTrace::tag(names.size() + 1); break;  // 0 would read as no tag
            case Mode::Events: status = recordEvent(stream); break;
        }
        if (status) names.emplace_back(name);
    }

private:
    Status noteLastNode(cudaStream_t stream) {
        cudaStreamCaptureStatus capture{};
        const cudaGraphNode_t* last = nullptr;
        std::size_t count = 0;
        Q4_CUDA(cudaStreamGetCaptureInfo(stream, &capture, nullptr, nullptr, &last, nullptr, &count));
        if (capture != cudaStreamCaptureStatusActive) return Status::failure("profile: the stream is not capturing");
        if (count > 1) return Status::failure("profile: the step's capture branches");
        boundaries.push_back(count == 1 ? last[0] : nullptr);
        return Status::success();
    }

    Status recordEvent(cudaStream_t stream) {
        if (names.size() >= events->size()) return Status::failure("profile: more component boundaries than events");
        cudaEvent_t event = (*events)[names.size()];
        return cudaStatus(capturing ? cudaEventRecordWithFlags(event, stream, cudaEventRecordExternal)
                                    : cudaEventRecord(event, stream),
                          "profile event record");
    }
};

class CudaDecoder final : public ModelInstance {
public:
    CudaDecoder(const ModelArchitecture& arch, const KernelEntry& kernel, const ModelLoadOptions& options,
                const GpuContext& context)
        : arch_(arch), kernel_(kernel), options_(options), context_(context) {
        context_.allocator = &allocator_;
        context_.compactWeights = true;
        maxM_ = std::max(options_.maxBatch, std::min(options_.maxBatch * options_.maxContext, kPrefillRows));
        qDim_ = arch_.heads * arch_.headDim;
        kvDim_ = arch_.kvHeads * arch_.headDim;
    }

    CudaDecoder(const CudaDecoder&) = delete;
    CudaDecoder& operator=(const CudaDecoder&) = delete;

    ~CudaDecoder() override {
        if (context_.stream) cudaStreamSynchronize(context_.stream);
        destroyGraph();
        for (cudaEvent_t e : events_) cudaEventDestroy(e);
        blocks_.clear();  // kernels first: their buffers go back to allocator_
        if (ownStream_) cudaStreamDestroy(ownStream_);
    }

    Status load(const ModelWeightSource& weights);

    double loadSeconds() const override { return loadSeconds_; }
    bool cudaGraph() const override { return graph_ != nullptr; }
    bool programmaticLaunch() const override { return programmaticLaunch_; }
    std::string graphNote() const override { return graphNote_; }

    ModelMemory memory() const override {
        const MemoryBreakdown live = allocator_.breakdown();
        ModelMemory memory;
        memory.quantWeights = live.weights - embeddingBytes_;
        memory.scales = live.scales;
        memory.zeros = live.zeros;
        memory.gIdx = live.gIdx;
        memory.embeddings = embeddingBytes_;
        memory.kvCache = live.output;  // the KV cache is the decoder's only Output allocation
        memory.activations = live.activations;
        memory.workspace = live.workspace;
        return memory;
    }
    std::int64_t peakBytes() const override { return allocator_.peakBytes(); }

    Status setBatch(std::int64_t batch) override;
    Expected<StepOutput> prefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                 bool wantLogits) override;
    Expected<StepOutput> decode(const std::vector<std::int32_t>& tokens, bool wantLogits) override;
    Expected<GenerationTimes> generate(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                       std::int64_t newTokens) override;
    Expected<StepProfile> profileStep(const std::vector<std::int32_t>& prompt, std::int64_t contextLength) override;

private:
    cudaStream_t stream() const { return context_.stream; }

    Status useDevice() const { return cudaStatus(cudaSetDevice(device_), "cudaSetDevice"); }
    Status allocate(DeviceBuffer& buffer, std::size_t bytes, MemoryUse use);
    Status uploadHalves(const std::vector<HalfBits>& host, std::int64_t expected, const char* what, DeviceBuffer& out);
    Status loadBlock(std::int64_t index, const DecoderBlockNorms& norms, const std::vector<DecoderLinear>& linears,
                     const DeviceBuffer& qweightStaging);
    Status allocateQweightStaging(DeviceBuffer& staging);
    Status uploadRopeTable();

    Status checkTokens(const std::vector<std::int32_t>& tokens, const char* what) const;
    Status checkPrompt(const std::vector<std::int32_t>& prompt, std::int64_t promptLength) const;
    Status checkDecode(const std::vector<std::int32_t>& tokens) const;

    Status runLinears(Block& block, bool (*which)(Role), std::int64_t rows, const char* component);
    Status forward(const Pass& pass);
    Status runPrefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength);
    Status decodeLaunches();
    Status launchStep();
    // keep: where the captured graph is handed over instead of destroyed (the profile walks it).
    Status captureGraph(cudaGraphExec_t& exec, cudaGraph_t* keep = nullptr);
    Expected<StepProfile> profileTraced(std::int64_t contextLength);
    Expected<StepProfile> profileWithEvents(std::int64_t contextLength);
    Status resetStep(std::int64_t contextLength);
    void destroyGraph();
    Status ensureEvents(std::size_t count);
    Expected<StepOutput> readStep(bool wantLogits);
    void mark(const char* name) {
        if (marks_) marks_->mark(name, stream());
    }

    // Where each layer reads and writes; separate q/k/v (gate/up) outputs get their own regions.
    const void* inputOf(Role role) const;
    void* outputOf(Role role) const;

    DeviceAllocator allocator_;  // first: destroyed after every buffer it tracks
    ModelArchitecture arch_;
    const KernelEntry& kernel_;
    ModelLoadOptions options_;
    GpuContext context_;
    cudaStream_t ownStream_ = nullptr;  // when the backend gave none (the default stream cannot be captured)
    int device_ = 0;
    double loadSeconds_ = 0;
    std::int64_t maxM_ = 0, qDim_ = 0, kvDim_ = 0;
    std::int64_t embeddingBytes_ = 0;

    DeviceBuffer embedding_, lmHead_, finalNorm_, ropeTable_;
    const void* lmHeadData_ = nullptr;  // lmHead_, or the embedding when tied
    CublasHandle lmHandle_;
    std::vector<Block> blocks_;

    // Per batch (setBatch).
    std::int64_t batch_ = 0, rowsCap_ = 0;
    int splits_ = 1;
    DeviceBuffer kCache_, vCache_;
    DeviceBuffer x_, h_, qkv_, qRot_, attn_, y_, gateUp_, act_, hLast_, logits_;
    DeviceBuffer promptTokens_, stepTokens_, savedTokens_, generated_, length_, attnWork_;
    std::int64_t hostLength_ = 0;  // positions in the cache per sequence (the device length's mirror)
    cudaGraphExec_t graph_ = nullptr;
    std::string graphNote_;  // why steps run without a graph
    bool programmaticLaunch_ = false;  // how setBatch's launches went (decoder_launch.h)

    std::vector<cudaEvent_t> events_;
    StepMarks* marks_ = nullptr;
};

Status CudaDecoder::allocate(DeviceBuffer& buffer, std::size_t bytes, MemoryUse use) {
    auto allocated = allocator_.allocate(bytes, use);
    if (!allocated) return Status::failure(allocated.error());
    buffer = std::move(allocated).value();
    return Status::success();
}

Status CudaDecoder::uploadHalves(const std::vector<HalfBits>& host, std::int64_t expected, const char* what,
                                 DeviceBuffer& out) {
    if (std::int64_t(host.size()) != expected)
        return Status::failure(std::string(what) + " has " + str(std::int64_t(host.size())) + " values, expected " +
                               str(expected));
    Q4_CHECK(uploadVector(allocator_, host, MemoryUse::Weights, out));
    embeddingBytes_ += std::int64_t(out.bytes());
    return Status::success();
}

Status CudaDecoder::load(const ModelWeightSource& weights) {
    const auto started = std::chrono::steady_clock::now();
    Q4_CUDA(cudaGetDevice(&device_));
    if (!context_.stream) {
        Q4_CUDA(cudaStreamCreateWithFlags(&ownStream_, cudaStreamNonBlocking));
        context_.stream = ownStream_;
    }
    allocator_.setWorkspaceSharing(true);

    const std::int64_t hidden = arch_.hiddenSize, vocab = arch_.vocabSize;
    {
        auto embedding = weights.embedding();
        if (!embedding) return embedding.takeError();
        Q4_CHECK(uploadHalves(*embedding, vocab * hidden, "model.embed_tokens", embedding_));
    }
    if (arch_.tiedEmbeddings) {
        lmHeadData_ = embedding_.data();
    } else {
        auto head = weights.lmHead();
        if (!head) return head.takeError();
        Q4_CHECK(uploadHalves(*head, vocab * hidden, "lm_head", lmHead_));
        lmHeadData_ = lmHead_.data();
    }
    {
        auto norm = weights.finalNorm();
        if (!norm) return norm.takeError();
        Q4_CHECK(uploadHalves(*norm, hidden, "model.norm", finalNorm_));
    }

    // Block b + 1 is made on a worker while block b is prepared (the source is asked for one block
    // at a time: the worker is its only caller meanwhile).
    struct HostBlock {
        Expected<DecoderBlockNorms> norms;
        Expected<std::vector<DecoderLinear>> linears;
    };
    // A sparse model is pruned on the host, from the host's words.
    const bool deviceQweight = weights.generatesQweightOnDevice() && options_.sparsity == Sparsity::None;
    DeviceBuffer qweightStaging;  // freed at the end of load
    if (deviceQweight) Q4_CHECK(allocateQweightStaging(qweightStaging));
    // Made on another thread while the previous block is prepared: fused and pruned there too.
    const auto make = [&weights, deviceQweight, this](std::int64_t b) {
        HostBlock block{weights.blockNorms(b),
                        deviceQweight ? weights.blockLinearsWithoutQweight(b) : weights.blockLinears(b)};
        if (block.linears && options_.fuseProjections) block.linears = fuseProjections(std::move(block.linears).value());
        if (block.linears)
            if (Status pruned = pruneLinears(block.linears.value(), options_.sparsity); !pruned)
                block.linears = pruned.asError();
        return block;
    };
    std::future<HostBlock> next = std::async(std::launch::async, make, std::int64_t(0));
    for (std::int64_t b = 0; b < arch_.layers; ++b) {
        Expected<HostBlock> host = Error{"block " + str(b) + " was not made"};
        try {
            host = next.get();
        } catch (const std::exception& e) {
            return Status::failure("making block " + str(b) + ": " + e.what());
        }
        if (b + 1 < arch_.layers) next = std::async(std::launch::async, make, b + 1);
        if (!host->norms) return host->norms.takeError();
        if (!host->linears) return host->linears.takeError();
        Q4_CHECK(loadBlock(b, *host->norms, *host->linears, qweightStaging));
    }
    Q4_CUDA(cudaStreamSynchronize(stream()));  // the last layer's preparation has read the staging buffer
    qweightStaging.release();

    allocator_.beginShare();
    Q4_CHECK(lmHandle_.create(context_));
    allocator_.setWorkspaceSharing(false);
    Q4_CHECK(uploadRopeTable());
    Q4_CUDA(cudaStreamSynchronize(stream()));
    loadSeconds_ = secondsSince(started);
    return Status::success();
}

// Sized for the largest layer: the fused projections, whose columns cover their parts'.
Status CudaDecoder::allocateQweightStaging(DeviceBuffer& staging) {
    std::int64_t words = 0;
    for (const char* name : {"qkv_proj", "o_proj", "gate_up_proj", "down_proj"}) {
        const LinearShape shape = *linearShape(arch_, name);
        words = std::max(words, shape.k / 8 * shape.n);
    }
    // Its own allocation: a shared workspace slab could also serve a kernel's scratch at prepare.
    allocator_.setWorkspaceSharing(false);
    const Status allocated = allocate(staging, std::size_t(words) * sizeof(std::int32_t), MemoryUse::Workspace);
    allocator_.setWorkspaceSharing(true);
    return allocated;
}

Status CudaDecoder::loadBlock(std::int64_t index, const DecoderBlockNorms& norms,
                              const std::vector<DecoderLinear>& linears, const DeviceBuffer& qweightStaging) {
    if (Status s = checkBlockLinears(arch_, index, linears); !s) return s;
    Block block;
    const std::string prefix = "model.layers." + str(index);
    Q4_CHECK(uploadHalves(norms.inputNorm, arch_.hiddenSize, (prefix + ".input_layernorm").c_str(), block.inputNorm));
    Q4_CHECK(uploadHalves(norms.postAttentionNorm, arch_.hiddenSize, (prefix + ".post_attention_layernorm").c_str(),
                          block.postNorm));
    const std::string& id = kernel_.info.id;
    for (const DecoderLinear& source : linears) {
        const GptqLayer& layer = source.layer;
        Linear linear;
        if (!roleOf(source.name, linear.role))
            return Status::failure(prefix + ": unknown linear layer '" + source.name + "'");
        linear.name = moduleName(index, source.name, linear.role);
        linear.n = layer.n;
        linear.k = layer.k;
        block.fusedQkv = block.fusedQkv || linear.role == Role::Qkv;
        block.fusedGateUp = block.fusedGateUp || linear.role == Role::GateUp;

        SweepPoint point;
        point.n = layer.n;
        point.k = layer.k;
        point.layer = linear.name;
        point.quant.groupSize = layer.groupSize;
        point.quant.symmetric = symmetricZeros(layer);
        point.quant.actOrder = !naturalOrder(layer);
        point.quant.zeroFormat = layer.zeroFormat;
        point.sparsity = source.sparse ? source.sparse->sparsity : Sparsity::None;
        const std::string where = linear.name + " (n=" + str(layer.n) + ", k=" + str(layer.k) + ")";
        for (const std::int64_t m : {maxM_, std::int64_t(1)}) {
            point.m = m;
            if (Status s = entrySupports(kernel_, point, context_); !s)
                return Status::failure("kernel " + id + " cannot run " + where + ": " + s.message);
        }
        point.m = maxM_;
        linear.kernel = kernel_.create();
        if (!linear.kernel) return Status::failure("kernel " + id + " could not be created");
        allocator_.beginShare();
        Status prepared;
        if (source.sparse) {
            prepared = linear.kernel->prepareSparse(*source.sparse, layer, point, context_);
        } else if (source.generatedQweight.empty()) {
            prepared = linear.kernel->prepare(layer, point, context_);
        } else {
            const std::size_t bytes = std::size_t(layer.k / 8 * layer.n) * sizeof(std::int32_t);
            if (qweightStaging.bytes() < bytes)
                return Status::failure(where + ": generated qweight does not fit the staging buffer");
            Q4_CHECK(launchGenerateQweight(source.generatedQweight, layer.k, layer.n, qweightStaging.data(), stream()));
            prepared = linear.kernel->prepareFromDevice(layer, qweightStaging.data(), point, context_);
        }
        if (!prepared)
            return Status::failure("kernel " + id + " could not prepare " + where + ": " + prepared.message);
        block.linears.push_back(std::move(linear));
    }
    blocks_.push_back(std::move(block));
    return Status::success();
}

// (cos, sin) of position * inv_freq[i] for every position of the cache, computed in double.
Status CudaDecoder::uploadRopeTable() {
    const std::vector<double> invFreq = ropeInverseFrequencies(arch_);
    const auto pairs = std::int64_t(invFreq.size());
    if (pairs != arch_.headDim / 2)
        return Status::failure("rope: " + str(pairs) + " inverse frequencies for head_dim=" + str(arch_.headDim));
    std::vector<float> table(std::size_t(options_.maxContext * pairs * 2));
    for (std::int64_t position = 0; position < options_.maxContext; ++position)
        for (std::int64_t i = 0; i < pairs; ++i) {
            const double angle = double(position) * invFreq[std::size_t(i)];
            table[std::size_t((position * pairs + i) * 2)] = float(std::cos(angle));
            table[std::size_t((position * pairs + i) * 2 + 1)] = float(std::sin(angle));
        }
    return uploadVector(allocator_, table, MemoryUse::Workspace, ropeTable_);
}

const void* CudaDecoder::inputOf(Role role) const {
    if (role == Role::O) return attn_.data();
    if (role == Role::Down) return act_.data();
    return h_.data();
}

void* CudaDecoder::outputOf(Role role) const {
    auto* qkv = qkv_.as<HalfBits>();
    auto* gateUp = gateUp_.as<HalfBits>();
    const std::int64_t inter = arch_.intermediateSize;
    switch (role) {
        case Role::Q:
        case Role::Qkv: return qkv;
        case Role::K: return qkv + rowsCap_ * qDim_;
        case Role::V: return qkv + rowsCap_ * (qDim_ + kvDim_);
        case Role::Gate:
        case Role::GateUp: return gateUp;
        case Role::Up: return gateUp + rowsCap_ * inter;
        case Role::O:
        case Role::Down: break;
    }
    return y_.data();
}

Status CudaDecoder::setBatch(std::int64_t batch) {
    if (batch < 1 || batch > options_.maxBatch)
        return Status::failure("batch=" + str(batch) + " is outside [1, max_batch=" + str(options_.maxBatch) + "]",
                               "batch");
    Q4_CHECK(useDevice());
    Q4_CUDA(cudaStreamSynchronize(stream()));
    destroyGraph();
    graphNote_.clear();
    programmaticLaunch_ = decoderDependentLaunch();
    batch_ = 0;
    hostLength_ = 0;
    for (DeviceBuffer* buffer : {&kCache_, &vCache_, &x_, &h_, &qkv_, &qRot_, &attn_, &y_, &gateUp_, &act_, &hLast_,
                                 &logits_, &promptTokens_, &stepTokens_, &savedTokens_, &generated_, &length_,
                                 &attnWork_})
        buffer->release();

    const std::int64_t hidden = arch_.hiddenSize, inter = arch_.intermediateSize, ctx = options_.maxContext;
    const std::int64_t rows = std::max(batch, std::min(batch * ctx, kPrefillRows));
    const auto halves = [](std::int64_t count) { return std::size_t(count) * sizeof(HalfBits); };
    const std::size_t cacheBytes = halves(arch_.layers * batch * kvDim_ * ctx);
    Q4_CHECK(allocate(kCache_, cacheBytes, MemoryUse::Output));
    Q4_CHECK(allocate(vCache_, cacheBytes, MemoryUse::Output));
    Q4_CHECK(allocate(x_, std::size_t(rows * hidden) * sizeof(float), MemoryUse::Activations));
    Q4_CHECK(allocate(h_, halves(rows * hidden), MemoryUse::Activations));
    Q4_CHECK(allocate(qkv_, halves(rows * (qDim_ + 2 * kvDim_)), MemoryUse::Activations));
    Q4_CHECK(allocate(qRot_, halves(rows * qDim_), MemoryUse::Activations));
    Q4_CHECK(allocate(attn_, halves(rows * qDim_), MemoryUse::Activations));
    Q4_CHECK(allocate(y_, halves(rows * hidden), MemoryUse::Activations));
    Q4_CHECK(allocate(gateUp_, halves(rows * 2 * inter), MemoryUse::Activations));
    Q4_CHECK(allocate(act_, halves(rows * inter), MemoryUse::Activations));
    Q4_CHECK(allocate(hLast_, halves(batch * hidden), MemoryUse::Activations));
    Q4_CHECK(allocate(logits_, std::size_t(batch * arch_.vocabSize) * sizeof(float), MemoryUse::Activations));
    Q4_CHECK(allocate(promptTokens_, std::size_t(batch * ctx) * sizeof(std::int32_t), MemoryUse::Activations));
    Q4_CHECK(allocate(stepTokens_, std::size_t(batch) * sizeof(std::int32_t), MemoryUse::Activations));
    Q4_CHECK(allocate(savedTokens_, std::size_t(batch) * sizeof(std::int32_t), MemoryUse::Activations));
    Q4_CHECK(allocate(generated_, std::size_t(batch * (ctx + 1)) * sizeof(std::int32_t), MemoryUse::Activations));
    Q4_CHECK(allocate(length_, sizeof(std::int32_t), MemoryUse::Activations));
    splits_ = decodeAttentionSplits(batch, arch_.heads, arch_.kvHeads, ctx, context_.multiprocessors);
    Q4_CHECK(allocate(attnWork_,
                      decodeAttentionWorkspaceFloats(batch, arch_.heads, arch_.headDim, splits_) * sizeof(float),
                      MemoryUse::Workspace));
    // Every cache position is written before it is read; zeroed anyway so no stale bits remain.
    Q4_CUDA(cudaMemsetAsync(kCache_.data(), 0, kCache_.bytes(), stream()));
    Q4_CUDA(cudaMemsetAsync(vCache_.data(), 0, vCache_.bytes(), stream()));
    Q4_CUDA(cudaMemsetAsync(stepTokens_.data(), 0, stepTokens_.bytes(), stream()));
    Q4_CUDA(cudaMemsetAsync(generated_.data(), 0, generated_.bytes(), stream()));
    Q4_CUDA(cudaMemsetAsync(length_.data(), 0, length_.bytes(), stream()));
    // Decode attention's arrival counters start at zero; each launch leaves them so.
    Q4_CUDA(cudaMemsetAsync(attnWork_.data(), 0, attnWork_.bytes(), stream()));
    batch_ = batch;
    rowsCap_ = rows;

    if (options_.cudaGraph) {
        // One step run directly first: every lazy set-up (function attributes, cuBLAS plans) is
        // done before the capture, which must contain only stream work.
        Q4_CHECK(decodeLaunches());
        Q4_CUDA(cudaStreamSynchronize(stream()));
        cudaGraphExec_t exec = nullptr;
        if (const Status captured = captureGraph(exec); captured) {
            graph_ = exec;
        } else {
            cudaGetLastError();  // a refused capture is not sticky: steps run as direct launches
            graphNote_ = "CUDA graph capture failed (" + captured.message + "); decode steps ran as direct launches";
        }
        Q4_CHECK(launchSetLength(length_.as<std::int32_t>(), 0, stream()));
    }
    return cudaStatus(cudaStreamSynchronize(stream()), "setBatch");
}

void CudaDecoder::destroyGraph() {
    if (graph_) cudaGraphExecDestroy(graph_);
    graph_ = nullptr;
}

Status CudaDecoder::captureGraph(cudaGraphExec_t& exec, cudaGraph_t* keep) {
    cudaGraph_t graph = nullptr;
    Q4_CUDA(cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal));
    const Status launched = decodeLaunches();
    const Status ended = cudaStatus(cudaStreamEndCapture(stream(), &graph), "end capture");
    if (!launched || !ended) {
        if (graph) cudaGraphDestroy(graph);
        return launched ? ended : launched;
    }
    Status instantiated = cudaStatus(cudaGraphInstantiate(&exec, graph, 0), "graph instantiate");
    if (keep && instantiated) *keep = graph;
    else cudaGraphDestroy(graph);
    return instantiated;
}

Status CudaDecoder::runLinears(Block& block, bool (*which)(Role), std::int64_t rows, const char* component) {
    for (Linear& linear : block.linears) {
        if (!which(linear.role)) continue;
        mark(component);
        // Every kernel of the step waits for the one before it, so a linear kernel may start early.
        context_.dependentLaunch = decoderDependentLaunch();
        const Status ran = linear.kernel->run(inputOf(linear.role), outputOf(linear.role), rows, context_);
        context_.dependentLaunch = false;
        if (!ran) return Status::failure(linear.name + ": " + ran.message);
    }
    return Status::success();
}

Status CudaDecoder::forward(const Pass& pass) {
    cudaStream_t s = stream();
    const std::int64_t hidden = arch_.hiddenSize, inter = arch_.intermediateSize, vocab = arch_.vocabSize;
    const auto eps = float(arch_.rmsNormEps);
    float* x = x_.as<float>();
    auto* length = length_.as<std::int32_t>();
    const std::size_t layerCache = std::size_t(batch_ * kvDim_ * options_.maxContext);

    mark("embedding");
    Q4_CHECK(launchEmbedding(pass.tokens, pass.rows, pass.positions, pass.tokenStride, pass.tokenOffset,
                             embedding_.data(), vocab, hidden, x, s));
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
        Block& block = blocks_[b];
        // The previous block's down_proj residual is added by this norm (the last one's after the loop).
        mark("norms");
        if (b == 0) Q4_CHECK(launchRmsNorm(x, pass.rows, 0, 1, block.inputNorm.data(), hidden, eps, h_.data(), s));
        else Q4_CHECK(launchAddRmsNorm(x, y_.data(), pass.rows, block.inputNorm.data(), hidden, eps, h_.data(), s));
        Q4_CHECK(runLinears(block, isAttentionInput, pass.rows, "qkv_proj"));

        mark("attention");
        RopeAppendArgs rope;
        const std::int64_t qkvWidth = qDim_ + 2 * kvDim_;
        rope.q = outputOf(block.fusedQkv ? Role::Qkv : Role::Q);
        rope.qStride = block.fusedQkv ? qkvWidth : qDim_;
        rope.k = block.fusedQkv ? static_cast<const HalfBits*>(rope.q) + qDim_ : outputOf(Role::K);
        rope.kStride = block.fusedQkv ? qkvWidth : kvDim_;
        rope.v = block.fusedQkv ? static_cast<const HalfBits*>(rope.q) + qDim_ + kvDim_ : outputOf(Role::V);
        rope.vStride = rope.kStride;
        rope.qOut = qRot_.data();
        rope.kCache = kCache_.as<HalfBits>() + b * layerCache;
        rope.vCache = vCache_.as<HalfBits>() + b * layerCache;
        rope.ropeTable = ropeTable_.as<float>();
        rope.rows = pass.rows;
        rope.positions = pass.positions;
        rope.start = pass.start;
        rope.length = pass.decode ? length : nullptr;
        rope.heads = arch_.heads;
        rope.kvHeads = arch_.kvHeads;
        rope.headDim = arch_.headDim;
        rope.maxContext = options_.maxContext;
        const KvCacheView cache{rope.kCache, rope.vCache, batch_, arch_.kvHeads, options_.maxContext, arch_.headDim};
        if (pass.decode) {  // the attention applies RoPE and appends the step's key itself
            const DecodeRope fused{rope.qStride, rope.k,        rope.kStride, rope.v,
                                   rope.vStride, rope.ropeTable, rope.kCache,  rope.vCache};
            Q4_CHECK(launchDecodeAttention(rope.q, cache, arch_.heads, length, splits_, attnWork_.as<float>(),
                                           attn_.data(), s, &fused));
        } else {
            Q4_CHECK(launchRopeAppend(rope, s));
            Q4_CHECK(launchPrefillAttention(qRot_.data(), cache, arch_.heads, pass.positions, pass.start, attn_.data(), s));
        }

        Q4_CHECK(runLinears(block, [](Role r) { return r == Role::O; }, pass.rows, "o_proj"));
        mark("norms");  // with the o_proj residual
        Q4_CHECK(launchAddRmsNorm(x, y_.data(), pass.rows, block.postNorm.data(), hidden, eps, h_.data(), s));
        Q4_CHECK(runLinears(block, isMlpInput, pass.rows, "gate_up_proj"));
        mark("mlp_act");
        const auto* gate = static_cast<const HalfBits*>(outputOf(block.fusedGateUp ? Role::GateUp : Role::Gate));
        const HalfBits* up = block.fusedGateUp ? gate + inter : static_cast<const HalfBits*>(outputOf(Role::Up));
        const std::int64_t stride = block.fusedGateUp ? 2 * inter : inter;
        Q4_CHECK(launchSiluMul(gate, stride, up, stride, pass.rows, inter, act_.data(), s));
        Q4_CHECK(runLinears(block, [](Role r) { return r == Role::Down; }, pass.rows, "down_proj"));
    }
    if (!pass.last) return Status::success();
    mark("residual");  // the last block's down_proj, which no later norm adds
    Q4_CHECK(launchResidualAdd(x, y_.data(), pass.rows * hidden, s));

    // Each sequence's last row of the pass: row s * positions + positions - 1.
    mark("norms");
    Q4_CHECK(launchRmsNorm(x, batch_, pass.positions - 1, pass.positions, finalNorm_.data(), hidden, eps, hLast_.data(),
                           s));
    mark("lm_head");
    Q4_CHECK(launchLmHead(lmHandle_.get(), hLast_.data(), lmHeadData_, logits_.as<float>(), batch_, vocab, hidden));
    mark("sampling");
    const auto generatedStride = options_.maxContext + 1;
    if (!pass.decode) Q4_CHECK(launchSetLength(length, std::int32_t(pass.start + pass.positions), s));
    // A step's token goes to position length + 1 (the step's own sits at length); prefill's to
    // the prompt length.
    Q4_CHECK(launchArgmax(logits_.as<float>(), batch_, vocab, stepTokens_.as<std::int32_t>(),
                          generated_.as<std::int32_t>(), generatedStride, length, pass.decode ? 1 : 0, s));
    if (pass.decode) Q4_CHECK(launchIncrementLength(length, s));
    return Status::success();
}

Status CudaDecoder::decodeLaunches() {
    Pass pass;
    pass.rows = batch_;
    pass.positions = 1;
    pass.decode = true;
    pass.tokens = stepTokens_.as<std::int32_t>();
    Q4_CHECK(forward(pass));
    if (!marks_) return Status::success();
    mark("end");  // the boundary after the last component
    return marks_->status;
}

Status CudaDecoder::launchStep() {
    if (graph_) return cudaStatus(cudaGraphLaunch(graph_, stream()), "decode graph launch");
    return decodeLaunches();
}

Status CudaDecoder::runPrefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength) {
    hostLength_ = 0;
    Q4_CUDA(cudaMemcpyAsync(promptTokens_.data(), prompt.data(), prompt.size() * sizeof(std::int32_t),
                            cudaMemcpyHostToDevice, stream()));
    const std::int64_t chunk = std::max<std::int64_t>(1, kPrefillRows / batch_);
    for (std::int64_t start = 0; start < promptLength; start += chunk) {
        Pass pass;
        pass.positions = std::min(chunk, promptLength - start);
        pass.rows = batch_ * pass.positions;
        pass.start = start;
        pass.tokens = promptTokens_.as<std::int32_t>();
        pass.tokenStride = promptLength;
        pass.tokenOffset = start;
        pass.last = start + pass.positions >= promptLength;
        Q4_CHECK(forward(pass));
    }
    hostLength_ = promptLength;
    return Status::success();
}

Status CudaDecoder::checkTokens(const std::vector<std::int32_t>& tokens, const char* what) const {
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= arch_.vocabSize)
            return Status::failure(std::string(what) + " token " + str(tokens[i]) + " at index " +
                                       str(std::int64_t(i)) + " is outside [0, vocab_size=" + str(arch_.vocabSize) +
                                       ")",
                                   what);
    return Status::success();
}

Status CudaDecoder::checkPrompt(const std::vector<std::int32_t>& prompt, std::int64_t promptLength) const {
    if (batch_ == 0) return Status::failure("no batch size: call setBatch before running the model", "batch");
    if (promptLength < 1 || promptLength > options_.maxContext)
        return Status::failure("prompt=" + str(promptLength) + " must be from 1 to max_context=" +
                                   str(options_.maxContext),
                               "prompt");
    if (std::int64_t(prompt.size()) != batch_ * promptLength)
        return Status::failure("the prompt has " + str(std::int64_t(prompt.size())) + " tokens, expected batch=" +
                                   str(batch_) + " x prompt=" + str(promptLength) + " = " + str(batch_ * promptLength),
                               "prompt");
    return checkTokens(prompt, "prompt");
}

Status CudaDecoder::checkDecode(const std::vector<std::int32_t>& tokens) const {
    if (batch_ == 0) return Status::failure("no batch size: call setBatch before running the model", "batch");
    if (hostLength_ == 0) return Status::failure("decode needs a prefill first");
    if (std::int64_t(tokens.size()) != batch_)
        return Status::failure("decode got " + str(std::int64_t(tokens.size())) +
                                   " tokens, expected one per sequence (batch=" + str(batch_) + ")",
                               "tokens");
    if (hostLength_ + 1 > options_.maxContext)
        return Status::failure("new_tokens: position " + str(hostLength_) + " is past max_context=" +
                                   str(options_.maxContext) + " (prompt + new tokens must fit the KV cache)",
                               "new_tokens");
    return checkTokens(tokens, "decode");
}

Expected<StepOutput> CudaDecoder::readStep(bool wantLogits) {
    Q4_CUDA(cudaStreamSynchronize(stream()));
    StepOutput out;
    out.tokens.resize(std::size_t(batch_));
    Q4_CUDA(cudaMemcpy(out.tokens.data(), stepTokens_.data(), out.tokens.size() * sizeof(std::int32_t),
                       cudaMemcpyDeviceToHost));
    if (wantLogits) {
        out.logits.resize(std::size_t(batch_ * arch_.vocabSize));
        Q4_CUDA(cudaMemcpy(out.logits.data(), logits_.data(), out.logits.size() * sizeof(float),
                           cudaMemcpyDeviceToHost));
    }
    return out;
}

Expected<StepOutput> CudaDecoder::prefill(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                          bool wantLogits) {
    if (Status s = checkPrompt(prompt, promptLength); !s) return s.asError();
    Q4_CHECK(useDevice());
    Q4_CHECK(runPrefill(prompt, promptLength));
    return readStep(wantLogits);
}

Expected<StepOutput> CudaDecoder::decode(const std::vector<std::int32_t>& tokens, bool wantLogits) {
    if (Status s = checkDecode(tokens); !s) return s.asError();
    Q4_CHECK(useDevice());
    Q4_CUDA(cudaMemcpyAsync(stepTokens_.data(), tokens.data(), tokens.size() * sizeof(std::int32_t),
                            cudaMemcpyHostToDevice, stream()));
    Q4_CHECK(launchStep());
    ++hostLength_;
    return readStep(wantLogits);
}

Status CudaDecoder::ensureEvents(std::size_t count) {
    while (events_.size() < count) {
        cudaEvent_t event = nullptr;
        Q4_CUDA(cudaEventCreate(&event));
        events_.push_back(event);
    }
    return Status::success();
}

Expected<GenerationTimes> CudaDecoder::generate(const std::vector<std::int32_t>& prompt, std::int64_t promptLength,
                                                std::int64_t newTokens) {
    if (Status s = checkPrompt(prompt, promptLength); !s) return s.asError();
    if (newTokens < 1 || promptLength + newTokens > options_.maxContext)
        return Error{"new_tokens=" + str(newTokens) + " must be at least 1, and prompt=" + str(promptLength) +
                         " + new_tokens at most max_context=" + str(options_.maxContext),
                     "new_tokens"};
    Q4_CHECK(useDevice());
    // Events at the boundaries: before prefill, after it (the first token), after each step.
    Q4_CHECK(ensureEvents(std::size_t(newTokens + 1)));
    Q4_CUDA(cudaEventRecord(events_[0], stream()));
    Q4_CHECK(runPrefill(prompt, promptLength));
    Q4_CUDA(cudaEventRecord(events_[1], stream()));
    for (std::int64_t step = 1; step < newTokens; ++step) {
        Q4_CHECK(launchStep());
        ++hostLength_;
        Q4_CUDA(cudaEventRecord(events_[std::size_t(step + 1)], stream()));
    }
    Q4_CUDA(cudaStreamSynchronize(stream()));

    GenerationTimes times;
    const auto elapsed = [&](std::size_t from) -> Expected<double> {
        float ms = 0;
        Q4_CUDA(cudaEventElapsedTime(&ms, events_[from], events_[from + 1]));
        return double(ms) * 1e-3;
    };
    auto prefillSeconds = elapsed(0);
    if (!prefillSeconds) return prefillSeconds.takeError();
    times.prefillSeconds = *prefillSeconds;
    for (std::int64_t step = 1; step < newTokens; ++step) {
        auto seconds = elapsed(std::size_t(step));
        if (!seconds) return seconds.takeError();
        times.stepSeconds.push_back(*seconds);
    }
    // The generated tokens sit by position: [promptLength, promptLength + newTokens) of each row.
    times.generated.resize(std::size_t(batch_ * newTokens));
    const std::size_t pitch = std::size_t(options_.maxContext + 1) * sizeof(std::int32_t);
    Q4_CUDA(cudaMemcpy2D(times.generated.data(), std::size_t(newTokens) * sizeof(std::int32_t),
                         generated_.as<std::int32_t>() + promptLength, pitch,
                         std::size_t(newTokens) * sizeof(std::int32_t), std::size_t(batch_), cudaMemcpyDeviceToHost));
    return times;
}

Expected<StepProfile> CudaDecoder::profileStep(const std::vector<std::int32_t>& prompt, std::int64_t contextLength) {
    if (Status s = checkPrompt(prompt, contextLength); !s) return s.asError();
    if (contextLength + 1 > options_.maxContext)
        return Error{"context=" + str(contextLength) + " leaves no position for a decode step: context + 1 " +
                         "must be at most max_context=" + str(options_.maxContext),
                     "context"};
    Q4_CHECK(useDevice());
    Q4_CHECK(runPrefill(prompt, contextLength));
    const std::size_t tokenBytes = std::size_t(batch_) * sizeof(std::int32_t);
    Q4_CUDA(cudaMemcpyAsync(savedTokens_.data(), stepTokens_.data(), tokenBytes, cudaMemcpyDeviceToDevice, stream()));
    auto profile = profileTraced(contextLength);
    if (!profile) {
        const std::string why = profile.error();
        cudaGetLastError();
        profile = profileWithEvents(contextLength);
        if (profile) profile.value().method += " (no kernel trace: " + why + ")";
    }
    if (profile) hostLength_ = contextLength + 1;
    return profile;
}

// Puts the length and the step's tokens back to where the profiled step starts.
Status CudaDecoder::resetStep(std::int64_t contextLength) {
    Q4_CHECK(launchSetLength(length_.as<std::int32_t>(), std::int32_t(contextLength), stream()));
    return cudaStatus(cudaMemcpyAsync(stepTokens_.data(), savedTokens_.data(), std::size_t(batch_) * sizeof(std::int32_t),
                                      cudaMemcpyDeviceToDevice, stream()),
                      "profile token reset");
}

// The step as generation runs it (its graph, or direct launches), twice (the first a warm-up),
// traced by CUPTI: the device's own start and end of every operation, nothing added to the step.
Expected<StepProfile> CudaDecoder::profileTraced(std::int64_t contextLength) {
    KernelTrace trace;
    Q4_CHECK(trace.begin());
    StepMarks marks;
    marks.mode = graph_ ? StepMarks::Mode::GraphNodes : StepMarks::Mode::Tags;
    cudaGraphExec_t exec = nullptr;
    cudaGraph_t graph = nullptr;
    if (graph_) {  // captured again with the same launches, so its nodes can be labelled
        marks_ = &marks;
        const Status captured = captureGraph(exec, &graph);
        marks_ = nullptr;
        if (!captured || !marks.status) {
            if (exec) cudaGraphExecDestroy(exec);
            if (graph) cudaGraphDestroy(graph);
            return (captured ? marks.status : captured).asError();
        }
    }
    const auto release = [&] {
        if (exec) cudaGraphExecDestroy(exec);
        if (graph) cudaGraphDestroy(graph);
    };
    const auto runOnce = [&](bool timed) -> Status {
        if (exec) return cudaStatus(cudaGraphLaunch(exec, stream()), "profile graph launch");
        if (timed) marks_ = &marks;
        Status s = decodeLaunches();
        marks_ = nullptr;
        if (timed) KernelTrace::untag();
        return s;
    };
    Status status = runOnce(false);
    if (status) status = resetStep(contextLength);
    if (status) status = cudaStatus(cudaStreamSynchronize(stream()), "profile warm-up");
    if (status) status = trace.discard();
    if (status) status = runOnce(true);
    if (status) status = cudaStatus(cudaStreamSynchronize(stream()), "profiled step");
    auto traced = trace.end();
    if (!status || !traced) {
        release();
        return status ? traced.takeError() : status.asError();
    }

    std::vector<std::size_t> markOfOp;
    if (graph) {
        auto marksOfOps = marksOfGraphOps(graph, marks.boundaries);
        release();
        if (!marksOfOps) return marksOfOps.takeError();
        markOfOp = std::move(marksOfOps).value();
    } else {
        for (const TracedOp& op : traced->ops) {
            const auto tag = traced->tags.find(op.correlationId);
            if (tag == traced->tags.end() || tag->second == 0)
                return Error{"profile: a traced operation was launched outside the step's components"};
            markOfOp.push_back(std::size_t(tag->second - 1));
        }
    }
    auto profile = attributeOps(traced->ops, markOfOp, marks.names, stepComponentNames());
    if (profile) profile.value().method = graph_ ? "kernel trace of the step's graph" : "kernel trace of direct launches";
    return profile;
}

// Without a kernel trace: events between components, as event-record nodes of the step's graph
// or between direct launches. The events serialize the graph, so this step runs longer than an
// unprofiled one.
Expected<StepProfile> CudaDecoder::profileWithEvents(std::int64_t contextLength) {
    Q4_CHECK(ensureEvents(std::size_t(arch_.layers) * 10 + 8));
    StepMarks marks;
    marks.events = &events_;
    cudaGraphExec_t profileGraph = nullptr;
    if (graph_) {
        marks.capturing = true;
        marks_ = &marks;
        const Status captured = captureGraph(profileGraph);
        marks_ = nullptr;
        if (!captured) {  // time direct launches instead
            if (profileGraph) cudaGraphExecDestroy(profileGraph);
            profileGraph = nullptr;
            cudaGetLastError();
            marks = StepMarks{};
            marks.events = &events_;
        }
    }
    const auto runOnce = [&](bool timed) -> Status {
        if (profileGraph) return cudaStatus(cudaGraphLaunch(profileGraph, stream()), "profile graph launch");
        if (timed) marks_ = &marks;
        Status s = decodeLaunches();
        marks_ = nullptr;
        return s;
    };
    Status status = runOnce(false);
    if (status) status = resetStep(contextLength);
    if (status) status = runOnce(true);
    if (status) status = cudaStatus(cudaStreamSynchronize(stream()), "profiled step");
    const bool inGraph = profileGraph != nullptr;
    if (profileGraph) cudaGraphExecDestroy(profileGraph);
    if (!status) return status.asError();

    const std::vector<std::string>& order = stepComponentNames();
    StepProfile profile;
    profile.method = inGraph ? "events in the step's graph" : "events between direct launches";
    std::vector<double> seconds(order.size(), 0.0);
    double sum = 0;
    for (std::size_t i = 0; i + 1 < marks.names.size(); ++i) {
        float ms = 0;
        Q4_CUDA(cudaEventElapsedTime(&ms, events_[i], events_[i + 1]));
        const auto at = std::find(order.begin(), order.end(), marks.names[i]);
        if (at == order.end()) return Error{"profile: unknown component " + marks.names[i]};
        seconds[std::size_t(at - order.begin())] += double(ms) * 1e-3;
        sum += double(ms) * 1e-3;
    }
    if (marks.names.size() >= 2) {
        float ms = 0;
        Q4_CUDA(cudaEventElapsedTime(&ms, events_.front(), events_[marks.names.size() - 1]));
        profile.stepSeconds = double(ms) * 1e-3;
    }
    // The intervals tile the step, so the gap is rounding only unless the events said otherwise.
    const auto gaps = std::size_t(std::find(order.begin(), order.end(), "gaps") - order.begin());
    if (gaps < seconds.size()) seconds[gaps] += std::max(0.0, profile.stepSeconds - sum);
    for (std::size_t i = 0; i < order.size(); ++i) profile.components.push_back({order[i], seconds[i]});
    return profile;
}

}  // namespace

Expected<std::unique_ptr<ModelInstance>> loadCudaDecoder(const ModelWeightSource& weights, const KernelEntry& kernel,
                                                         const ModelLoadOptions& options, const GpuContext& context) {
    const ModelArchitecture& arch = weights.architecture();
    if (Status s = validateArchitecture(arch); !s) return s.asError();
    if (options.maxBatch < 1) return Error{"max_batch=" + str(options.maxBatch) + " must be at least 1", "max_batch"};
    if (options.maxContext < 1)
        return Error{"max_context=" + str(options.maxContext) + " must be at least 1", "max_context"};
    if (Status s = checkRopeContext(arch, options.maxContext); !s) return s.asError();
    if (!decoderHeadDimSupported(arch.headDim))
        return Error{"head_dim=" + str(arch.headDim) + " is not supported by the CUDA decoder's attention kernels (64 "
                     "or 128)",
                     "head_dim"};
    if (arch.hiddenSize % 8 != 0)
        return Error{"hidden_size=" + str(arch.hiddenSize) + " is not a multiple of 8", "hidden_size"};
    if (arch.intermediateSize % 2 != 0)
        return Error{"intermediate_size=" + str(arch.intermediateSize) + " is not even", "intermediate_size"};
    if (options.maxContext > (std::int64_t(1) << 30))
        return Error{"max_context=" + str(options.maxContext) + " is above the CUDA decoder's limit of 2^30",
                     "max_context"};
    auto decoder = std::make_unique<CudaDecoder>(arch, kernel, options, context);
    if (Status s = decoder->load(weights); !s) return s.asError();
    return std::unique_ptr<ModelInstance>(std::move(decoder));
}

}  // namespace q4
