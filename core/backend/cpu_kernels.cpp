#include "backend/cpu_kernels.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

#include "run/problem_data.h"
#include "sparsity/sparse_metadata.h"

namespace q4 {
namespace {

// Evicts the caches between samples in cold mode by streaming through a buffer larger than the LLC.
void flushHostCaches() {
    static std::vector<char> buffer(std::size_t(64) << 20, 1);
    for (std::size_t i = 0; i < buffer.size(); i += 64) buffer[i] = char(buffer[i] + 1);
    asm volatile("" : : "r"(buffer.data()) : "memory");  // keep the writes
}


class CpuKernelBase : public KernelInstance {
public:
    explicit CpuKernelBase(const Problem& p)
        : m_(p.point.m), n_(p.point.n), k_(p.point.k), a_(toFloat(*p.a)), c_(std::size_t(m_ * n_)) {}
    Status poisonOutput() override {
        std::fill(c_.begin(), c_.end(), std::numeric_limits<float>::quiet_NaN());
        return Status::success();
    }
    Status launch(const TimingOptions&) override {
        compute();
        return Status::success();
    }
    Expected<std::vector<float>> readOutput() override { return c_; }
    Expected<double> timeLaunches(int launches, const TimingOptions& timing) override {
        if (timing.l2 == L2Mode::Cold) flushHostCaches();
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < launches; ++i) compute();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

protected:
    virtual void compute() = 0;
    MemoryBreakdown ioMemory() const {
        MemoryBreakdown mem;
        mem.activations = std::int64_t(a_.size() * sizeof(float));
        mem.output = std::int64_t(c_.size() * sizeof(float));
        return mem;
    }
    std::int64_t m_, n_, k_;
    std::vector<float> a_;  // [m, k]
    std::vector<float> c_;  // [m, n]
};

class CpuFp32Reference final : public CpuKernelBase {
public:
    explicit CpuFp32Reference(const Problem& p) : CpuKernelBase(p), w_(dequantize(*p.layer)) {}
    MemoryBreakdown memory() const override {
        MemoryBreakdown mem = ioMemory();
        mem.weights = std::int64_t(w_.size() * sizeof(float));
        return mem;
    }

private:
    void compute() override {
        // i-k-j order: the inner loop runs along a contiguous row of W and vectorizes.
        for (std::int64_t i = 0; i < m_; ++i) {
            float* c = &c_[std::size_t(i * n_)];
            std::fill(c, c + n_, 0.0f);
            for (std::int64_t r = 0; r < k_; ++r) {
                const float a = a_[std::size_t(i * k_ + r)];
                const float* w = &w_[std::size_t(r * n_)];
                for (std::int64_t j = 0; j < n_; ++j) c[j] += a * w[j];
            }
        }
    }
    std::vector<float> w_;  // [k, n]
};

class CpuInt4Fused final : public CpuKernelBase {
public:
    explicit CpuInt4Fused(const Problem& p)
        : CpuKernelBase(p), qweight_(p.layer->qweight), gIdx_(p.layer->gIdx), tile_(std::size_t(8 * n_)) {
        const std::int64_t groups = p.layer->numGroups();
        scales_.resize(std::size_t(groups * n_));
        scaledZeros_.resize(scales_.size());
        for (std::int64_t g = 0; g < groups; ++g)
            for (std::int64_t j = 0; j < n_; ++j) {
                const float s = halfToFloat(p.layer->scales[std::size_t(g * n_ + j)]);
                scales_[std::size_t(g * n_ + j)] = s;
                scaledZeros_[std::size_t(g * n_ + j)] = s * float(zeroPoint(*p.layer, g, j));
            }
    }
    MemoryBreakdown memory() const override {
        MemoryBreakdown mem = ioMemory();
        mem.weights = std::int64_t(qweight_.size() * sizeof(std::int32_t));
        mem.scales = std::int64_t(scales_.size() * sizeof(float));
        mem.zeros = std::int64_t(scaledZeros_.size() * sizeof(float));
        mem.gIdx = std::int64_t(gIdx_.size() * sizeof(std::int32_t));
        mem.workspace = std::int64_t(tile_.size() * sizeof(float));
        return mem;
    }

private:
    void compute() override {
        std::fill(c_.begin(), c_.end(), 0.0f);
        for (std::int64_t block = 0; block < k_ / 8; ++block) {
            // Dequantize 8 rows (one packed int32 per column) into the tile: w = q * s - z * s.
            const std::int32_t* packed = &qweight_[std::size_t(block * n_)];
            for (int row = 0; row < 8; ++row) {
                const std::int64_t g = gIdx_[std::size_t(block * 8 + row)];
                const float* s = &scales_[std::size_t(g * n_)];
                const float* zs = &scaledZeros_[std::size_t(g * n_)];
                float* t = &tile_[std::size_t(row * n_)];
                const int shift = 4 * row;
                for (std::int64_t j = 0; j < n_; ++j)
                    t[j] = float((std::uint32_t(packed[j]) >> shift) & 0xF) * s[j] - zs[j];
            }
            for (std::int64_t i = 0; i < m_; ++i) {
                float* c = &c_[std::size_t(i * n_)];
                const float* a = &a_[std::size_t(i * k_ + block * 8)];
                for (int row = 0; row < 8; ++row) {
                    const float* t = &tile_[std::size_t(row * n_)];
                    for (std::int64_t j = 0; j < n_; ++j) c[j] += a[row] * t[j];
                }
            }
        }
    }
    std::vector<std::int32_t> qweight_;  // [k/8, n], as in the checkpoint
    std::vector<std::int32_t> gIdx_;
    std::vector<float> scales_, scaledZeros_;  // [G, n]
    std::vector<float> tile_;                  // [8, n]
};

// Reads the compressed form of a sparse layer: per column and 32-row word, the metadata names the
// 16 kept rows and the kept nibbles follow in row order, 8 per int32; w = (q - z) * s.
class CpuSparseInt4 final : public CpuKernelBase {
public:
    explicit CpuSparseInt4(const Problem& p) : CpuKernelBase(p), layer_(*p.sparse) {
        const std::int64_t groups = layer_.numGroups();
        scales_.resize(std::size_t(groups * n_));
        zeros_.resize(scales_.size());
        for (std::int64_t g = 0; g < groups; ++g)
            for (std::int64_t j = 0; j < n_; ++j) {
                scales_[std::size_t(g * n_ + j)] = halfToFloat(layer_.scales[std::size_t(g * n_ + j)]);
                zeros_[std::size_t(g * n_ + j)] = float(zeroPoint(*p.layer, g, j));
            }
    }
    MemoryBreakdown memory() const override {
        MemoryBreakdown mem = ioMemory();
        mem.weights = std::int64_t((layer_.keptQweight.size() + layer_.metadata.size()) * sizeof(std::int32_t));
        mem.scales = std::int64_t(scales_.size() * sizeof(float));
        mem.zeros = std::int64_t(zeros_.size() * sizeof(float));
        mem.gIdx = std::int64_t(layer_.gIdx.size() * sizeof(std::int32_t));
        return mem;
    }

private:
    void compute() override {
        std::fill(c_.begin(), c_.end(), 0.0f);
        int offsets[16];
        float w[16];
        for (std::int64_t word = 0; word < k_ / 32; ++word)
            for (std::int64_t col = 0; col < n_; ++col) {
                const int kept = keptOffsets(layer_.metadata[std::size_t(word * n_ + col)], layer_.sparsity, offsets);
                for (int t = 0; t < kept; ++t) {
                    const std::int64_t row = word * 32 + offsets[t];
                    const std::uint32_t packed = std::uint32_t(layer_.keptQweight[std::size_t((word * 2 + t / 8) * n_ + col)]);
                    const std::size_t g = std::size_t(layer_.gIdx[std::size_t(row)] * n_ + col);
                    w[t] = (float((packed >> (4 * (t % 8))) & 0xF) - zeros_[g]) * scales_[g];
                }
                for (std::int64_t i = 0; i < m_; ++i) {
                    const float* a = &a_[std::size_t(i * k_ + word * 32)];
                    float sum = 0.0f;
                    for (int t = 0; t < kept; ++t) sum += a[offsets[t]] * w[t];
                    c_[std::size_t(i * n_ + col)] += sum;
                }
            }
    }
    const SparseGptqLayer& layer_;  // the problem's, alive while the instance is
    std::vector<float> scales_, zeros_;  // [G, n]: the scale and the true zero point
};

}  // namespace

std::unique_ptr<KernelInstance> makeCpuSparseInt4(const Problem& problem) {
    return std::make_unique<CpuSparseInt4>(problem);
}
std::unique_ptr<KernelInstance> makeCpuFp32Reference(const Problem& problem) {
    return std::make_unique<CpuFp32Reference>(problem);
}
std::unique_ptr<KernelInstance> makeCpuInt4Fused(const Problem& problem) {
    return std::make_unique<CpuInt4Fused>(problem);
}

}  // namespace q4
