// The CUDA decoder's own kernels (kernels/decoder/decoder_ops.h) against small host references on
// random data: odd sizes (batch 3, chunk lengths and contexts that are not multiples of any tile),
// head dims 64 and 128, GQA ratios 1, 2, 4, 8 (and 16, past one block's 8 heads), prefill chunks
// that start mid-cache, decode at growing device lengths from 1 key to a full cache (4001 keys of
// 4096), direct and replayed from a captured graph. Cache positions a kernel must not read hold
// NaN, so a stray read shows.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cuda/device_memory.h"
#include "decoder/decoder_ops.h"
#include "gpu_test_support.h"
#include "gptq/half.h"

namespace q4 {
namespace {

constexpr HalfBits kHalfNaN = 0x7E00;

// A device copy of a host vector (or zeros), freed on scope exit.
template <class T>
class DeviceArray {
public:
    explicit DeviceArray(const std::vector<T>& host) : size_(host.size()) {
        allocate();
        if (size_) cudaMemcpy(data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice);
    }
    explicit DeviceArray(std::size_t size) : size_(size) {
        allocate();
        if (size_) cudaMemset(data_, 0, size_ * sizeof(T));
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    ~DeviceArray() {
        if (data_) cudaFree(data_);
    }
    T* get() const { return data_; }
    std::vector<T> read() const {
        std::vector<T> host(size_);
        if (size_) cudaMemcpy(host.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost);
        return host;
    }

private:
    void allocate() {
        if (size_ && cudaMalloc(&data_, size_ * sizeof(T)) != cudaSuccess) data_ = nullptr;
    }
    std::size_t size_;
    T* data_ = nullptr;
};

std::vector<HalfBits> randomHalves(std::size_t count, float lo, float hi, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<HalfBits> values(count);
    for (auto& v : values) v = floatToHalf(dist(rng));
    return values;
}

std::vector<float> randomFloats(std::size_t count, float lo, float hi, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> values(count);
    for (auto& v : values) v = dist(rng);
    return values;
}

float h2f(HalfBits h) { return halfToFloat(h); }
float roundHalf(double v) { return halfToFloat(floatToHalf(float(v))); }

// Equal up to one fp16 rounding step of the reference (the device rounds an fp32 value, the
// reference a double one).
::testing::AssertionResult withinHalfUlp(float got, double want, const std::string& where) {
    const double tolerance = std::max(std::fabs(want) * 1.0e-3, 1.0e-6);
    if (std::isfinite(got) && std::fabs(double(got) - want) <= tolerance) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << where << ": got " << got << ", want " << want;
}

class DecoderOps : public ::testing::Test {
protected:
    void SetUp() override {
        Q4_REQUIRE_GPU();
        gpu_ = std::make_unique<test::GpuTestContext>();
        ASSERT_NE(gpu_->stream(), nullptr);
    }
    cudaStream_t stream() const { return gpu_->stream(); }
    void sync() { ASSERT_EQ(cudaStreamSynchronize(stream()), cudaSuccess); }
    int multiprocessors() const { return gpu_->context(nullptr).multiprocessors; }

private:
    std::unique_ptr<test::GpuTestContext> gpu_;  // made once a device is known to be there
};

TEST_F(DecoderOps, EmbeddingGathersChunkRows) {
    const std::int64_t vocab = 37, hidden = 96, batch = 3, promptLength = 11, start = 4, positions = 5;
    const auto table = randomHalves(std::size_t(vocab * hidden), -1.0f, 1.0f, 1);
    std::vector<std::int32_t> prompt(std::size_t(batch * promptLength));
    std::mt19937 rng(2);
    for (auto& t : prompt) t = std::int32_t(rng() % vocab);
    DeviceArray<HalfBits> dTable(table);
    DeviceArray<std::int32_t> dPrompt(prompt);
    const std::int64_t rows = batch * positions;
    DeviceArray<float> x(std::size_t(rows * hidden));
    ASSERT_TRUE(launchEmbedding(dPrompt.get(), rows, positions, promptLength, start, dTable.get(), vocab, hidden,
                                x.get(), stream()));
    sync();
    const auto got = x.read();
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int32_t token = prompt[std::size_t((r / positions) * promptLength + start + r % positions)];
        for (std::int64_t i = 0; i < hidden; ++i)
            ASSERT_EQ(got[std::size_t(r * hidden + i)], h2f(table[std::size_t(token * hidden + i)])) << "row " << r;
    }
}

TEST_F(DecoderOps, RmsNormEveryRowAndSelectedRows) {
    const std::int64_t rows = 7, hidden = 200;
    const double eps = 1e-5;
    const auto x = randomFloats(std::size_t(rows * hidden), -3.0f, 3.0f, 3);
    const auto weight = randomHalves(std::size_t(hidden), 0.5f, 1.5f, 4);
    DeviceArray<float> dx(x);
    DeviceArray<HalfBits> dw(weight);
    const auto reference = [&](std::int64_t row, std::int64_t i) {
        double squares = 0;
        for (std::int64_t j = 0; j < hidden; ++j) squares += double(x[std::size_t(row * hidden + j)]) * x[std::size_t(row * hidden + j)];
        const double r = 1.0 / std::sqrt(squares / double(hidden) + eps);
        return double(roundHalf(double(x[std::size_t(row * hidden + i)]) * r * h2f(weight[std::size_t(i)])));
    };
    {
        DeviceArray<HalfBits> out(std::size_t(rows * hidden));
        ASSERT_TRUE(launchRmsNorm(dx.get(), rows, 0, 1, dw.get(), hidden, float(eps), out.get(), stream()));
        sync();
        const auto got = out.read();
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t i = 0; i < hidden; ++i)
                ASSERT_TRUE(withinHalfUlp(h2f(got[std::size_t(r * hidden + i)]), reference(r, i),
                                          "row " + std::to_string(r) + " col " + std::to_string(i)));
    }
    {  // rows 2 and 5: each sequence's last position of a [2 sequences][3 positions] chunk, offset by 2
        DeviceArray<HalfBits> out(std::size_t(2 * hidden));
        ASSERT_TRUE(launchRmsNorm(dx.get(), 2, 2, 3, dw.get(), hidden, float(eps), out.get(), stream()));
        sync();
        const auto got = out.read();
        for (std::int64_t s = 0; s < 2; ++s)
            for (std::int64_t i = 0; i < hidden; ++i)
                ASSERT_TRUE(withinHalfUlp(h2f(got[std::size_t(s * hidden + i)]), reference(2 + 3 * s, i),
                                          "selected row " + std::to_string(s)));
    }
}

TEST_F(DecoderOps, ResidualAddIsExact) {
    const std::size_t count = 3 * 104;
    const auto x = randomFloats(count, -5.0f, 5.0f, 5);
    const auto y = randomHalves(count, -2.0f, 2.0f, 6);
    DeviceArray<float> dx(x);
    DeviceArray<HalfBits> dy(y);
    ASSERT_TRUE(launchResidualAdd(dx.get(), dy.get(), std::int64_t(count), stream()));
    sync();
    const auto got = dx.read();
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(got[i], x[i] + h2f(y[i])) << i;
}

// The fused add + norm gives the same bits as the add followed by the norm.
TEST_F(DecoderOps, AddRmsNormEqualsAddThenNorm) {
    const std::int64_t rows = 5, hidden = 328;
    const auto x = randomFloats(std::size_t(rows * hidden), -3.0f, 3.0f, 11);
    const auto y = randomHalves(std::size_t(rows * hidden), -2.0f, 2.0f, 12);
    const auto weight = randomHalves(std::size_t(hidden), 0.5f, 1.5f, 13);
    DeviceArray<float> fusedX(x), separateX(x);
    DeviceArray<HalfBits> dy(y), dw(weight), fusedOut(std::size_t(rows * hidden)), separateOut(std::size_t(rows * hidden));
    ASSERT_TRUE(launchAddRmsNorm(fusedX.get(), dy.get(), rows, dw.get(), hidden, 1e-5f, fusedOut.get(), stream()));
    ASSERT_TRUE(launchResidualAdd(separateX.get(), dy.get(), rows * hidden, stream()));
    ASSERT_TRUE(launchRmsNorm(separateX.get(), rows, 0, 1, dw.get(), hidden, 1e-5f, separateOut.get(), stream()));
    sync();
    EXPECT_EQ(fusedX.read(), separateX.read());
    const auto fused = fusedOut.read(), separate = separateOut.read();
    std::size_t differing = 0;
    for (std::size_t i = 0; i < fused.size(); ++i) differing += fused[i] != separate[i];
    EXPECT_EQ(differing, 0u);
    EXPECT_NE(fused, std::vector<HalfBits>(fused.size(), 0));
}

TEST_F(DecoderOps, SiluMulFusedAndSeparate) {
    const std::int64_t rows = 3, width = 52;
    const auto gateUp = randomHalves(std::size_t(rows * 2 * width), -6.0f, 6.0f, 7);
    DeviceArray<HalfBits> dGateUp(gateUp);
    const auto check = [&](const std::vector<HalfBits>& got, const HalfBits* gate, std::int64_t gateStride,
                           const HalfBits* up, std::int64_t upStride, const char* what) {
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t j = 0; j < width; ++j) {
                const double g = h2f(gate[r * gateStride + j]), u = h2f(up[r * upStride + j]);
                const double want = roundHalf(g / (1.0 + std::exp(-g)) * u);
                ASSERT_TRUE(withinHalfUlp(h2f(got[std::size_t(r * width + j)]), want,
                                          std::string(what) + " row " + std::to_string(r) + " col " + std::to_string(j)));
            }
    };
    {  // fused: gate | up in each row of 2 * width
        DeviceArray<HalfBits> out(std::size_t(rows * width));
        ASSERT_TRUE(launchSiluMul(dGateUp.get(), 2 * width, dGateUp.get() + width, 2 * width, rows, width, out.get(),
                                  stream()));
        sync();
        check(out.read(), gateUp.data(), 2 * width, gateUp.data() + width, 2 * width, "fused");
    }
    {  // separate: gate [rows, width] then up [rows, width]
        DeviceArray<HalfBits> out(std::size_t(rows * width));
        ASSERT_TRUE(launchSiluMul(dGateUp.get(), width, dGateUp.get() + rows * width, width, rows, width, out.get(),
                                  stream()));
        sync();
        check(out.read(), gateUp.data(), width, gateUp.data() + rows * width, width, "separate");
    }
}

// (cos, sin) table as the decoder builds it, theta 10000.
std::vector<float> ropeTable(std::int64_t maxContext, std::int64_t headDim) {
    const std::int64_t pairs = headDim / 2;
    std::vector<float> table(std::size_t(maxContext * pairs * 2));
    for (std::int64_t p = 0; p < maxContext; ++p)
        for (std::int64_t i = 0; i < pairs; ++i) {
            const double angle = double(p) * std::pow(10000.0, -2.0 * double(i) / double(headDim));
            table[std::size_t((p * pairs + i) * 2)] = float(std::cos(angle));
            table[std::size_t((p * pairs + i) * 2 + 1)] = float(std::sin(angle));
        }
    return table;
}

struct RopeCase {
    std::int64_t headDim, heads, kvHeads;
    bool fused;
    bool decode;
};

TEST_F(DecoderOps, RopeAppendMatchesReference) {
    const std::int64_t batch = 3, maxContext = 21;
    for (const RopeCase& c : {RopeCase{64, 4, 2, true, false}, RopeCase{128, 4, 4, false, false},
                              RopeCase{64, 8, 2, false, true}, RopeCase{128, 4, 1, true, true}}) {
        SCOPED_TRACE("head dim " + std::to_string(c.headDim) + ", heads " + std::to_string(c.heads) + "/" +
                     std::to_string(c.kvHeads) + (c.fused ? ", fused" : ", separate") + (c.decode ? ", decode" : ", prefill"));
        const std::int64_t d = c.headDim, qDim = c.heads * d, kvDim = c.kvHeads * d;
        const std::int64_t positions = c.decode ? 1 : 5, start = c.decode ? 13 : 4, rows = batch * positions;
        const std::int64_t width = qDim + 2 * kvDim;
        const auto qkv = randomHalves(std::size_t(rows * width), -2.0f, 2.0f, 11);
        const auto table = ropeTable(maxContext, d);
        const std::size_t cacheSize = std::size_t(batch * kvDim * maxContext);
        const auto cacheInit = randomHalves(cacheSize, -1.0f, 1.0f, 12);
        DeviceArray<HalfBits> dQkv(qkv), dQOut(std::size_t(rows * qDim)), dK(cacheInit), dV(cacheInit);
        DeviceArray<float> dTable(table);
        DeviceArray<std::int32_t> dLength(std::vector<std::int32_t>{std::int32_t(start)});
        // Separate layout: q [rows, qDim], k [rows, kvDim], v [rows, kvDim] one after another.
        const std::int64_t qOff = 0, kOff = c.fused ? qDim : rows * qDim, vOff = c.fused ? qDim + kvDim : rows * (qDim + kvDim);
        const std::int64_t qStride = c.fused ? width : qDim, kvStride = c.fused ? width : kvDim;
        RopeAppendArgs args;
        args.q = dQkv.get() + qOff;
        args.qStride = qStride;
        args.k = dQkv.get() + kOff;
        args.kStride = kvStride;
        args.v = dQkv.get() + vOff;
        args.vStride = kvStride;
        args.qOut = dQOut.get();
        args.kCache = dK.get();
        args.vCache = dV.get();
        args.ropeTable = dTable.get();
        args.rows = rows;
        args.positions = positions;
        args.start = c.decode ? 0 : start;
        args.length = c.decode ? dLength.get() : nullptr;
        args.heads = c.heads;
        args.kvHeads = c.kvHeads;
        args.headDim = d;
        args.maxContext = maxContext;
        ASSERT_TRUE(launchRopeAppend(args, stream()));
        sync();
        const auto qOut = dQOut.read(), kCache = dK.read(), vCache = dV.read();
        const auto rotate = [&](const HalfBits* x, std::int64_t position, std::int64_t i) {
            const std::int64_t pairs = d / 2, pair = i % pairs;
            const double angle = double(position) * std::pow(10000.0, -2.0 * double(pair) / double(d));
            const double x1 = h2f(x[pair]), x2 = h2f(x[pair + pairs]);
            return double(roundHalf(i < pairs ? x1 * std::cos(angle) - x2 * std::sin(angle)
                                              : x2 * std::cos(angle) + x1 * std::sin(angle)));
        };
        std::vector<bool> written(cacheSize, false);
        for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t s = r / positions, position = start + r % positions;
            for (std::int64_t h = 0; h < c.heads; ++h)
                for (std::int64_t i = 0; i < d; ++i)
                    ASSERT_TRUE(withinHalfUlp(h2f(qOut[std::size_t(r * qDim + h * d + i)]),
                                              rotate(qkv.data() + qOff + r * qStride + h * d, position, i), "q"));
            for (std::int64_t h = 0; h < c.kvHeads; ++h)
                for (std::int64_t i = 0; i < d; ++i) {
                    const std::size_t at = std::size_t(((s * c.kvHeads + h) * maxContext + position) * d + i);
                    written[at] = true;
                    ASSERT_TRUE(withinHalfUlp(h2f(kCache[at]), rotate(qkv.data() + kOff + r * kvStride + h * d, position, i),
                                              "k"));
                    ASSERT_EQ(vCache[at], qkv[std::size_t(vOff + r * kvStride + h * d + i)]) << "v";
                }
        }
        for (std::size_t i = 0; i < cacheSize; ++i)
            if (!written[i]) {
                ASSERT_EQ(kCache[i], cacheInit[i]) << "k cache entry " << i << " changed";
                ASSERT_EQ(vCache[i], cacheInit[i]) << "v cache entry " << i << " changed";
            }
    }
}

// softmax(q k^T / sqrt(d)) v over keys [0, keys) of one (sequence, KV head), in double.
void referenceAttention(const HalfBits* q, const std::vector<HalfBits>& kCache, const std::vector<HalfBits>& vCache,
                        std::size_t headBase, std::int64_t keys, std::int64_t d, std::vector<double>& out) {
    std::vector<double> scores(static_cast<std::size_t>(keys));
    double best = -INFINITY;
    for (std::int64_t j = 0; j < keys; ++j) {
        double s = 0;
        for (std::int64_t i = 0; i < d; ++i) s += double(h2f(q[i])) * h2f(kCache[headBase + std::size_t(j * d + i)]);
        scores[std::size_t(j)] = s / std::sqrt(double(d));
        best = std::max(best, scores[std::size_t(j)]);
    }
    double sum = 0;
    for (auto& s : scores) sum += (s = std::exp(s - best));
    out.assign(std::size_t(d), 0.0);
    for (std::int64_t j = 0; j < keys; ++j)
        for (std::int64_t i = 0; i < d; ++i)
            out[std::size_t(i)] += scores[std::size_t(j)] / sum * h2f(vCache[headBase + std::size_t(j * d + i)]);
}

// A cache [batch][kvHeads][maxContext][d] with random values below `filled` and NaN above.
std::vector<HalfBits> makeCache(std::int64_t batch, std::int64_t kvHeads, std::int64_t maxContext, std::int64_t d,
                                std::int64_t filled, std::uint32_t seed) {
    auto cache = randomHalves(std::size_t(batch * kvHeads * maxContext * d), -1.0f, 1.0f, seed);
    for (std::int64_t b = 0; b < batch * kvHeads; ++b)
        std::fill(cache.begin() + (b * maxContext + filled) * d, cache.begin() + (b + 1) * maxContext * d, kHalfNaN);
    return cache;
}

struct AttentionError {
    double maxAbs = 0, sumSquares = 0, refSquares = 0;
    void add(float got, double want) {
        const double e = std::isfinite(got) ? std::fabs(double(got) - want) : INFINITY;
        maxAbs = std::max(maxAbs, e);
        sumSquares += e * e;
        refSquares += want * want;
    }
    double relative() const { return std::sqrt(sumSquares / std::max(refSquares, 1e-30)); }
};

// Error budget: P rounded to fp16 (prefill), the output rounded to fp16, fp32 sums: outputs are
// averages of values in [-1, 1], so 1 fp16 step (~5e-4) per rounding; 3e-3 leaves headroom and
// still catches any indexing or masking error (those are O(0.1) or NaN).
constexpr double kAttentionMaxAbs = 3e-3;
constexpr double kAttentionRelative = 2e-3;

struct PrefillCase {
    std::int64_t headDim, heads, kvHeads, positions, start;
};

TEST_F(DecoderOps, PrefillAttentionMatchesReference) {
    const std::int64_t batch = 3;
    for (const PrefillCase& c : {PrefillCase{64, 4, 4, 37, 0}, PrefillCase{64, 4, 2, 19, 45},
                                 PrefillCase{128, 8, 2, 70, 30}, PrefillCase{128, 4, 1, 130, 0},
                                 PrefillCase{64, 8, 2, 1, 77}, PrefillCase{128, 4, 2, 65, 63}}) {
        SCOPED_TRACE("head dim " + std::to_string(c.headDim) + ", heads " + std::to_string(c.heads) + "/" +
                     std::to_string(c.kvHeads) + ", positions " + std::to_string(c.start) + ".." +
                     std::to_string(c.start + c.positions - 1));
        const std::int64_t d = c.headDim, filled = c.start + c.positions, maxContext = filled + 11;
        const std::int64_t rows = batch * c.positions, qDim = c.heads * d, group = c.heads / c.kvHeads;
        const auto q = randomHalves(std::size_t(rows * qDim), -4.0f, 4.0f, 21);
        const auto kCache = makeCache(batch, c.kvHeads, maxContext, d, filled, 22);
        const auto vCache = makeCache(batch, c.kvHeads, maxContext, d, filled, 23);
        DeviceArray<HalfBits> dq(q), dk(kCache), dv(vCache), dOut(std::size_t(rows * qDim));
        const KvCacheView cache{dk.get(), dv.get(), batch, c.kvHeads, maxContext, d};
        ASSERT_TRUE(launchPrefillAttention(dq.get(), cache, c.heads, c.positions, c.start, dOut.get(), stream()));
        sync();
        const auto got = dOut.read();
        AttentionError error;
        std::vector<double> want;
        for (std::int64_t s = 0; s < batch; ++s)
            for (std::int64_t p = 0; p < c.positions; ++p)
                for (std::int64_t h = 0; h < c.heads; ++h) {
                    const std::size_t base = std::size_t((s * c.kvHeads + h / group) * maxContext * d);
                    const std::size_t row = std::size_t(((s * c.positions + p) * c.heads + h) * d);
                    referenceAttention(q.data() + row, kCache, vCache, base, c.start + p + 1, d, want);
                    for (std::int64_t i = 0; i < d; ++i) error.add(h2f(got[row + std::size_t(i)]), want[std::size_t(i)]);
                }
        std::printf("prefill d=%lld heads=%lld/%lld positions=%lld start=%lld: max abs %.2e, relative %.2e\n",
                    static_cast<long long>(d), static_cast<long long>(c.heads), static_cast<long long>(c.kvHeads),
                    static_cast<long long>(c.positions), static_cast<long long>(c.start), error.maxAbs, error.relative());
        EXPECT_LE(error.maxAbs, kAttentionMaxAbs);
        EXPECT_LE(error.relative(), kAttentionRelative);
    }
}

TEST_F(DecoderOps, DecodeAttentionMatchesReferenceAtEveryLength) {
    const std::int64_t batch = 3, maxContext = 1536;
    struct Heads {
        std::int64_t heads, kvHeads;
    };
    for (const std::int64_t d : {64, 128})
        for (const Heads hc : {Heads{4, 4}, Heads{4, 2}, Heads{8, 2}, Heads{16, 1}})
            for (const std::int64_t keys : {1, 17, 1000, 1300}) {
                const std::int64_t qDim = hc.heads * d, group = hc.heads / hc.kvHeads;
                const auto q = randomHalves(std::size_t(batch * qDim), -4.0f, 4.0f, std::uint32_t(31 + keys));
                const auto kCache = makeCache(batch, hc.kvHeads, maxContext, d, keys, 32);
                const auto vCache = makeCache(batch, hc.kvHeads, maxContext, d, keys, 33);
                DeviceArray<HalfBits> dq(q), dk(kCache), dv(vCache);
                DeviceArray<std::int32_t> dLength(std::vector<std::int32_t>{std::int32_t(keys - 1)});
                const KvCacheView cache{dk.get(), dv.get(), batch, hc.kvHeads, maxContext, d};
                std::vector<std::vector<double>> want(std::size_t(batch * hc.heads));
                for (std::int64_t s = 0; s < batch; ++s)
                    for (std::int64_t h = 0; h < hc.heads; ++h)
                        referenceAttention(q.data() + (s * hc.heads + h) * d, kCache, vCache,
                                           std::size_t((s * hc.kvHeads + h / group) * maxContext * d), keys, d,
                                           want[std::size_t(s * hc.heads + h)]);
                const int chosen = decodeAttentionSplits(batch, hc.heads, hc.kvHeads, maxContext, multiprocessors());
                for (const int splits : {1, 7, chosen}) {
                    SCOPED_TRACE("head dim " + std::to_string(d) + ", heads " + std::to_string(hc.heads) + "/" +
                                 std::to_string(hc.kvHeads) + ", keys " + std::to_string(keys) + ", splits " +
                                 std::to_string(splits));
                    DeviceArray<float> work(decodeAttentionWorkspaceFloats(batch, hc.heads, d, splits));
                    DeviceArray<HalfBits> dOut(std::size_t(batch * qDim));
                    ASSERT_TRUE(launchDecodeAttention(dq.get(), cache, hc.heads, dLength.get(), splits, work.get(),
                                                      dOut.get(), stream()));
                    sync();
                    const auto got = dOut.read();
                    AttentionError error;
                    for (std::int64_t row = 0; row < batch * hc.heads; ++row)
                        for (std::int64_t i = 0; i < d; ++i)
                            error.add(h2f(got[std::size_t(row * d + i)]), want[std::size_t(row)][std::size_t(i)]);
                    EXPECT_LE(error.maxAbs, kAttentionMaxAbs);
                    EXPECT_LE(error.relative(), kAttentionRelative);
                }
            }
}

// Decode attention with RoPE and the append inside (DecodeRope) against launchRopeAppend followed
// by the plain decode attention: the same output and the same cache, bit for bit. The new key sits
// in a slice's first tiles or a later one, at a slice boundary or not, with one or two head blocks
// per KV head (16 heads on one KV head), and the cache at the new position starts as NaN, so a
// missed append shows.
TEST_F(DecoderOps, DecodeAttentionWithRopeEqualsRopeAppendThenAttention) {
    const std::int64_t batch = 3, maxContext = 1400;
    struct Heads {
        std::int64_t heads, kvHeads;
    };
    for (const std::int64_t d : {64, 128})
        for (const Heads hc : {Heads{4, 4}, Heads{8, 2}, Heads{16, 1}})
            for (const std::int64_t length : {0, 16, 17, 130, 999}) {
                const std::int64_t qDim = hc.heads * d, kvDim = hc.kvHeads * d, width = qDim + 2 * kvDim;
                const auto qkv = randomHalves(std::size_t(batch * width), -3.0f, 3.0f, std::uint32_t(41 + length));
                const auto kInit = makeCache(batch, hc.kvHeads, maxContext, d, length, 42);
                const auto vInit = makeCache(batch, hc.kvHeads, maxContext, d, length, 43);
                DeviceArray<HalfBits> dQkv(qkv), dQRot(std::size_t(batch * qDim));
                DeviceArray<float> dTable(ropeTable(maxContext, d));
                DeviceArray<std::int32_t> dLength(std::vector<std::int32_t>{std::int32_t(length)});
                const int chosen = decodeAttentionSplits(batch, hc.heads, hc.kvHeads, maxContext, multiprocessors());
                for (const int splits : {1, 7, chosen}) {
                    SCOPED_TRACE("head dim " + std::to_string(d) + ", heads " + std::to_string(hc.heads) + "/" +
                                 std::to_string(hc.kvHeads) + ", length " + std::to_string(length) + ", splits " +
                                 std::to_string(splits));
                    DeviceArray<HalfBits> kSeparate(kInit), vSeparate(vInit), kFused(kInit), vFused(vInit);
                    DeviceArray<HalfBits> outSeparate(std::size_t(batch * qDim)), outFused(std::size_t(batch * qDim));
                    DeviceArray<float> workSeparate(decodeAttentionWorkspaceFloats(batch, hc.heads, d, splits));
                    DeviceArray<float> workFused(decodeAttentionWorkspaceFloats(batch, hc.heads, d, splits));

                    const RopeAppendArgs args{.q = dQkv.get(), .qStride = width, .k = dQkv.get() + qDim,
                                              .kStride = width, .v = dQkv.get() + qDim + kvDim, .vStride = width,
                                              .qOut = dQRot.get(), .kCache = kSeparate.get(),
                                              .vCache = vSeparate.get(), .ropeTable = dTable.get(), .rows = batch,
                                              .length = dLength.get(), .heads = hc.heads, .kvHeads = hc.kvHeads,
                                              .headDim = d, .maxContext = maxContext};
                    ASSERT_TRUE(launchRopeAppend(args, stream()));
                    const KvCacheView separate{kSeparate.get(), vSeparate.get(), batch, hc.kvHeads, maxContext, d};
                    ASSERT_TRUE(launchDecodeAttention(dQRot.get(), separate, hc.heads, dLength.get(), splits,
                                                      workSeparate.get(), outSeparate.get(), stream()));

                    const KvCacheView fused{kFused.get(), vFused.get(), batch, hc.kvHeads, maxContext, d};
                    const DecodeRope rope{width, dQkv.get() + qDim, width, dQkv.get() + qDim + kvDim, width,
                                          dTable.get(), kFused.get(), vFused.get()};
                    ASSERT_TRUE(launchDecodeAttention(dQkv.get(), fused, hc.heads, dLength.get(), splits,
                                                      workFused.get(), outFused.get(), stream(), &rope));
                    sync();
                    const auto want = outSeparate.read(), got = outFused.read();
                    std::int64_t mismatches = 0;
                    for (std::size_t i = 0; i < want.size(); ++i)
                        if (got[i] != want[i] && mismatches++ < 3)
                            ADD_FAILURE() << "output " << i << ": " << h2f(got[i]) << " against " << h2f(want[i]);
                    EXPECT_EQ(mismatches, 0);
                    EXPECT_EQ(kFused.read(), kSeparate.read()) << "k cache";
                    EXPECT_EQ(vFused.read(), vSeparate.read()) << "v cache";
                    const auto out = outFused.read();
                    EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](HalfBits h) { return std::isfinite(h2f(h)); }))
                        << "the new key was not appended (its cache row started as NaN)";
                }
            }
}

// Decode attention over every (sequence, head) on the host, in double from fp16 inputs: out
// [batch * heads][d] for the query at position keys - 1.
struct DecodeShape {
    std::int64_t batch, heads, kvHeads, d, maxContext;
    std::string name() const {
        return "batch " + std::to_string(batch) + ", heads " + std::to_string(heads) + "/" + std::to_string(kvHeads) +
               ", head dim " + std::to_string(d) + ", max context " + std::to_string(maxContext);
    }
};

std::vector<double> referenceDecode(const DecodeShape& s, const std::vector<HalfBits>& q,
                                    const std::vector<float>& k, const std::vector<float>& v, std::int64_t keys) {
    const std::int64_t d = s.d, group = s.heads / s.kvHeads;
    std::vector<double> out(static_cast<std::size_t>(s.batch * s.heads * d), 0.0);
    std::vector<double> scores(static_cast<std::size_t>(keys)), query(static_cast<std::size_t>(d));
    for (std::int64_t b = 0; b < s.batch; ++b)
        for (std::int64_t h = 0; h < s.heads; ++h) {
            const std::size_t row = std::size_t((b * s.heads + h) * d);
            const std::size_t base = std::size_t((b * s.kvHeads + h / group) * s.maxContext * d);
            for (std::int64_t i = 0; i < d; ++i) query[std::size_t(i)] = h2f(q[row + std::size_t(i)]);
            double best = -INFINITY;
            for (std::int64_t j = 0; j < keys; ++j) {
                const float* key = k.data() + base + std::size_t(j * d);
                double dot = 0;
                for (std::int64_t i = 0; i < d; ++i) dot += query[std::size_t(i)] * key[i];
                scores[std::size_t(j)] = dot / std::sqrt(double(d));
                best = std::max(best, scores[std::size_t(j)]);
            }
            double sum = 0;
            for (auto& score : scores) sum += (score = std::exp(score - best));
            for (std::int64_t j = 0; j < keys; ++j) {
                const float* value = v.data() + base + std::size_t(j * d);
                const double weight = scores[std::size_t(j)] / sum;
                for (std::int64_t i = 0; i < d; ++i) out[row + std::size_t(i)] += weight * value[i];
            }
        }
    return out;
}

std::vector<float> halvesToFloats(const std::vector<HalfBits>& halves) {
    std::vector<float> floats(halves.size());
    std::transform(halves.begin(), halves.end(), floats.begin(), h2f);
    return floats;
}

AttentionError compareDecode(const std::vector<HalfBits>& got, const std::vector<double>& want) {
    AttentionError error;
    for (std::size_t i = 0; i < want.size(); ++i) error.add(h2f(got[i]), want[i]);
    return error;
}

// The output is filled with NaN before each launch, so a head the kernel leaves unwritten shows.
void poisonOutput(const DeviceArray<HalfBits>& out, std::size_t count) {
    ASSERT_EQ(cudaMemset(out.get(), 0xFF, count * sizeof(HalfBits)), cudaSuccess);
}

// As the decoder runs it: one workspace per split count, zeroed once, then launches at growing
// lengths, each after the new cache rows are appended (positions not yet appended hold NaN). A
// launch that left an arrival counter non-zero would break every later one. Lengths cover both
// sides of every 16- and 64-key boundary, one key, and a full cache; batches 1, 3 and 16; GQA 1,
// 4 and 8; split counts 1 (no merge), 7 (uneven slices) and the one chosen for this device.
TEST_F(DecoderOps, DecodeAttentionFollowsGrowingLengthsAcrossShapes) {
    const std::int64_t maxContext = 1024;
    const std::vector<std::int64_t> lengths{0, 1, 2, 63, 64, 65, 127, 128, 129, 700, 1023};
    struct Heads {
        std::int64_t heads, kvHeads;
    };
    for (const std::int64_t d : {64, 128})
        for (const std::int64_t batch : {1, 3, 16})
            for (const Heads hc : {Heads{4, 4}, Heads{8, 2}, Heads{16, 2}}) {
                const DecodeShape shape{batch, hc.heads, hc.kvHeads, d, maxContext};
                SCOPED_TRACE(shape.name());
                const std::size_t outCount = std::size_t(batch * hc.heads * d);
                const std::size_t cacheCount = std::size_t(batch * hc.kvHeads * maxContext * d);
                const auto q = randomHalves(outCount, -4.0f, 4.0f, std::uint32_t(61 + d + batch + hc.heads));
                const auto kFull = randomHalves(cacheCount, -1.0f, 1.0f, 62);
                const auto vFull = randomHalves(cacheCount, -1.0f, 1.0f, 63);
                const auto kFloat = halvesToFloats(kFull), vFloat = halvesToFloats(vFull);
                DeviceArray<HalfBits> dq(q), dOut(outCount);
                DeviceArray<HalfBits> dk(std::vector<HalfBits>(cacheCount, kHalfNaN));
                DeviceArray<HalfBits> dv(std::vector<HalfBits>(cacheCount, kHalfNaN));
                DeviceArray<std::int32_t> dLength(std::size_t{1});
                const KvCacheView cache{dk.get(), dv.get(), batch, hc.kvHeads, maxContext, d};
                const int chosen = decodeAttentionSplits(batch, hc.heads, hc.kvHeads, maxContext, multiprocessors());
                const std::vector<int> splitCounts{1, 7, chosen};
                std::vector<std::unique_ptr<DeviceArray<float>>> work;
                for (const int splits : splitCounts)
                    work.push_back(std::make_unique<DeviceArray<float>>(
                        decodeAttentionWorkspaceFloats(batch, hc.heads, d, splits)));
                AttentionError worst;
                std::int64_t appended = 0;
                for (const std::int64_t length : lengths) {
                    const std::int64_t keys = length + 1;
                    const std::size_t pitch = std::size_t(maxContext * d) * sizeof(HalfBits);
                    const std::size_t offset = std::size_t(appended * d);
                    const std::size_t width = std::size_t((keys - appended) * d) * sizeof(HalfBits);
                    const auto rows = std::size_t(batch * hc.kvHeads);
                    ASSERT_EQ(cudaMemcpy2D(dk.get() + offset, pitch, kFull.data() + offset, pitch, width, rows,
                                           cudaMemcpyHostToDevice),
                              cudaSuccess);
                    ASSERT_EQ(cudaMemcpy2D(dv.get() + offset, pitch, vFull.data() + offset, pitch, width, rows,
                                           cudaMemcpyHostToDevice),
                              cudaSuccess);
                    appended = keys;
                    const auto deviceLength = std::int32_t(length);
                    ASSERT_EQ(cudaMemcpy(dLength.get(), &deviceLength, sizeof(deviceLength), cudaMemcpyHostToDevice),
                              cudaSuccess);
                    const auto want = referenceDecode(shape, q, kFloat, vFloat, keys);
                    for (std::size_t i = 0; i < splitCounts.size(); ++i) {
                        SCOPED_TRACE("length " + std::to_string(length) + ", splits " + std::to_string(splitCounts[i]));
                        poisonOutput(dOut, outCount);
                        ASSERT_TRUE(launchDecodeAttention(dq.get(), cache, hc.heads, dLength.get(), splitCounts[i],
                                                          work[i]->get(), dOut.get(), stream()));
                        sync();
                        const AttentionError error = compareDecode(dOut.read(), want);
                        EXPECT_LE(error.maxAbs, kAttentionMaxAbs);
                        EXPECT_LE(error.relative(), kAttentionRelative);
                        worst.maxAbs = std::max(worst.maxAbs, error.maxAbs);
                    }
                }
                std::printf("decode %s, splits 1/7/%d: max abs %.2e over all lengths\n", shape.name().c_str(), chosen,
                            worst.maxAbs);
            }
}

// A captured graph replayed as the decoder replays its step: the length changes on the device
// between replays, the launch parameters never. Each length is replayed twice and must give the
// same bits (the merge order is fixed). The model shapes: Llama-2-13B (40 heads, 40 KV heads) at
// batch 1, Llama-3-8B (32/8) at batch 1 with a 4096-key cache, GQA 8 at head dim 64 and batch 16.
TEST_F(DecoderOps, DecodeAttentionReplaysInACapturedGraph) {
    struct Case {
        DecodeShape shape;
        std::vector<std::int64_t> lengths;
    };
    for (const Case& c : {Case{{1, 40, 40, 128, 1024}, {5, 300, 768, 1023}},
                          Case{{1, 32, 8, 128, 4096}, {0, 2047, 2560, 4000}},
                          Case{{16, 16, 2, 64, 1024}, {1, 129, 700}}}) {
        const DecodeShape& s = c.shape;
        SCOPED_TRACE(s.name());
        const std::int64_t filled = *std::max_element(c.lengths.begin(), c.lengths.end()) + 1;
        const std::size_t outCount = std::size_t(s.batch * s.heads * s.d);
        const auto q = randomHalves(outCount, -4.0f, 4.0f, std::uint32_t(71 + s.heads));
        const auto kCache = makeCache(s.batch, s.kvHeads, s.maxContext, s.d, filled, 72);
        const auto vCache = makeCache(s.batch, s.kvHeads, s.maxContext, s.d, filled, 73);
        const auto kFloat = halvesToFloats(kCache), vFloat = halvesToFloats(vCache);
        DeviceArray<HalfBits> dq(q), dk(kCache), dv(vCache), dOut(outCount);
        DeviceArray<std::int32_t> dLength(std::vector<std::int32_t>{std::int32_t(c.lengths.front())});
        const KvCacheView cache{dk.get(), dv.get(), s.batch, s.kvHeads, s.maxContext, s.d};
        const int splits = decodeAttentionSplits(s.batch, s.heads, s.kvHeads, s.maxContext, multiprocessors());
        DeviceArray<float> work(decodeAttentionWorkspaceFloats(s.batch, s.heads, s.d, splits));
        const auto launch = [&] {
            return launchDecodeAttention(dq.get(), cache, s.heads, dLength.get(), splits, work.get(), dOut.get(),
                                         stream());
        };
        ASSERT_TRUE(launch());  // once directly, so one-time set-up stays out of the capture
        sync();

        cudaGraph_t graph = nullptr;
        ASSERT_EQ(cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal), cudaSuccess);
        const Status launched = launch();
        ASSERT_EQ(cudaStreamEndCapture(stream(), &graph), cudaSuccess);
        ASSERT_TRUE(launched) << launched.message;
        cudaGraphExec_t exec = nullptr;
        const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
        cudaGraphDestroy(graph);
        ASSERT_EQ(instantiated, cudaSuccess);
        const std::unique_ptr<CUgraphExec_st, decltype(&cudaGraphExecDestroy)> owned(exec, cudaGraphExecDestroy);

        for (const std::int64_t length : c.lengths) {
            SCOPED_TRACE("length " + std::to_string(length) + ", splits " + std::to_string(splits));
            const auto deviceLength = std::int32_t(length);
            ASSERT_EQ(cudaMemcpy(dLength.get(), &deviceLength, sizeof(deviceLength), cudaMemcpyHostToDevice),
                      cudaSuccess);
            std::vector<HalfBits> first;
            for (int replay = 0; replay < 2; ++replay) {
                poisonOutput(dOut, outCount);
                ASSERT_EQ(cudaGraphLaunch(exec, stream()), cudaSuccess);
                sync();
                if (replay == 0) first = dOut.read();
                else EXPECT_TRUE(dOut.read() == first) << "a replay at the same length changed the result";
            }
            const AttentionError error = compareDecode(first, referenceDecode(s, q, kFloat, vFloat, length + 1));
            std::printf("decode graph %s, length %lld, splits %d: max abs %.2e, relative %.2e\n", s.name().c_str(),
                        static_cast<long long>(length), splits, error.maxAbs, error.relative());
            EXPECT_LE(error.maxAbs, kAttentionMaxAbs);
            EXPECT_LE(error.relative(), kAttentionRelative);
        }
    }
}

TEST_F(DecoderOps, LmHeadMatchesReference) {
    const std::int64_t rows = 3, hidden = 96, vocab = 200;
    const auto h = randomHalves(std::size_t(rows * hidden), -1.0f, 1.0f, 41);
    const auto head = randomHalves(std::size_t(vocab * hidden), -1.0f, 1.0f, 42);
    DeviceArray<HalfBits> dh(h), dHead(head);
    DeviceArray<float> logits(std::size_t(rows * vocab));
    cublasHandle_t handle = nullptr;
    ASSERT_EQ(cublasCreate(&handle), CUBLAS_STATUS_SUCCESS);
    ASSERT_EQ(cublasSetStream(handle, stream()), CUBLAS_STATUS_SUCCESS);
    const Status launched = launchLmHead(handle, dh.get(), dHead.get(), logits.get(), rows, vocab, hidden);
    sync();
    cublasDestroy(handle);
    ASSERT_TRUE(launched) << launched.message;
    const auto got = logits.read();
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t v = 0; v < vocab; ++v) {
            double want = 0;
            for (std::int64_t i = 0; i < hidden; ++i)
                want += double(h2f(h[std::size_t(r * hidden + i)])) * h2f(head[std::size_t(v * hidden + i)]);
            ASSERT_NEAR(got[std::size_t(r * vocab + v)], want, 1e-4 * (1.0 + std::fabs(want))) << r << ", " << v;
        }
}

TEST_F(DecoderOps, ArgmaxTakesLowestIndexOnTiesAndFilesByPosition) {
    const std::int64_t rows = 3, vocab = 1000, stride = 20;
    auto logits = randomFloats(std::size_t(rows * vocab), -5.0f, 5.0f, 51);
    logits[10] = 9.0f;  // row 0: a clear maximum
    logits[std::size_t(vocab + 10)] = 7.5f;  // row 1: a tie, the lower index wins
    logits[std::size_t(vocab + 700)] = 7.5f;
    logits[std::size_t(2 * vocab)] = std::nanf("");  // row 2: NaN never wins; the maximum is last
    logits[std::size_t(3 * vocab - 1)] = 8.0f;
    DeviceArray<float> dLogits(logits);
    DeviceArray<std::int32_t> tokens{static_cast<std::size_t>(rows)};
    DeviceArray<std::int32_t> generated(std::vector<std::int32_t>(std::size_t(rows * stride), -1));
    DeviceArray<std::int32_t> length(std::vector<std::int32_t>{5});
    ASSERT_TRUE(launchArgmax(dLogits.get(), rows, vocab, tokens.get(), generated.get(), stride, length.get(), 1, stream()));
    sync();
    EXPECT_EQ(tokens.read(), (std::vector<std::int32_t>{10, 10, std::int32_t(vocab - 1)}));
    const auto filed = generated.read();
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t i = 0; i < stride; ++i)
            EXPECT_EQ(filed[std::size_t(r * stride + i)], i == 6 ? tokens.read()[std::size_t(r)] : -1) << r << ", " << i;
}

TEST_F(DecoderOps, LengthIsSetAndIncrementedOnTheDevice) {
    DeviceArray<std::int32_t> length{std::size_t{1}};
    ASSERT_TRUE(launchSetLength(length.get(), 41, stream()));
    ASSERT_TRUE(launchIncrementLength(length.get(), stream()));
    sync();
    EXPECT_EQ(length.read(), std::vector<std::int32_t>{42});
}

// The decoder prepares every layer's kernel with the allocator in shared-workspace mode.
TEST_F(DecoderOps, SharedWorkspaceServesSlotsFromGrowingSlabs) {
    constexpr std::size_t kMiB = std::size_t(1) << 20;
    DeviceAllocator allocator;
    allocator.setWorkspaceSharing(true);
    allocator.beginShare();  // layer 1: slots 0 and 1, a small private buffer, weights
    auto a = allocator.allocate(2 * kMiB, MemoryUse::Workspace);
    auto b = allocator.allocate(3 * kMiB, MemoryUse::Workspace);
    auto small = allocator.allocate(4096, MemoryUse::Workspace);
    auto weights = allocator.allocate(2 * kMiB, MemoryUse::Weights);
    ASSERT_TRUE(a && b && small && weights);
    EXPECT_NE(a->data(), b->data());
    allocator.beginShare();  // layer 2: fits slot 0's slab, outgrows slot 1's
    auto c = allocator.allocate(kMiB, MemoryUse::Workspace);
    auto d = allocator.allocate(5 * kMiB, MemoryUse::Workspace);
    ASSERT_TRUE(c && d);
    EXPECT_EQ(c->data(), a->data());
    EXPECT_NE(d->data(), b->data());
    allocator.beginShare();  // layer 3: outgrows slot 0's slab
    auto e = allocator.allocate(4 * kMiB, MemoryUse::Workspace);
    ASSERT_TRUE(e);
    EXPECT_NE(e->data(), a->data());
    // Earlier views still point into live slabs.
    EXPECT_EQ(cudaMemset(b->data(), 0, b->bytes()), cudaSuccess);
    EXPECT_EQ(cudaMemset(a->data(), 0, a->bytes()), cudaSuccess);
    const std::int64_t slabs = std::int64_t((2 + 3 + 5 + 4) * kMiB + 4096);
    EXPECT_EQ(allocator.breakdown().workspace, slabs);
    EXPECT_EQ(allocator.breakdown().weights, std::int64_t(2 * kMiB));
    a = DeviceBuffer();  // dropping a view frees nothing
    EXPECT_EQ(allocator.breakdown().workspace, slabs);
    allocator.setWorkspaceSharing(false);
    auto f = allocator.allocate(2 * kMiB, MemoryUse::Workspace);
    ASSERT_TRUE(f);
    EXPECT_NE(f->data(), e->data());
    EXPECT_EQ(allocator.breakdown().workspace, slabs + std::int64_t(2 * kMiB));
}

TEST_F(DecoderOps, HeadDimsOutsideTheInstancesAreRefused) {
    const KvCacheView cache{nullptr, nullptr, 1, 1, 16, 96};
    EXPECT_FALSE(launchPrefillAttention(nullptr, cache, 1, 1, 0, nullptr, stream()));
    EXPECT_FALSE(launchDecodeAttention(nullptr, cache, 1, nullptr, 1, nullptr, nullptr, stream()));
    EXPECT_TRUE(decoderHeadDimSupported(64));
    EXPECT_TRUE(decoderHeadDimSupported(128));
    EXPECT_FALSE(decoderHeadDimSupported(96));
}

TEST_F(DecoderOps, DecodeAttentionRopeMustWriteTheCacheItReads) {
    HalfBits k = 0, v = 0, other = 0;
    const float table[2] = {1.0f, 0.0f};
    const KvCacheView cache{&k, &v, 1, 1, 16, 64};
    DecodeRope rope{64, &k, 64, &v, 64, table, &other, &v};
    const Status elsewhere = launchDecodeAttention(&k, cache, 1, nullptr, 1, nullptr, nullptr, stream(), &rope);
    ASSERT_FALSE(elsewhere);
    EXPECT_NE(elsewhere.message.find("kCache and vCache must be the cache"), std::string::npos) << elsewhere.message;
    rope.kCache = &k;
    rope.table = nullptr;
    const Status noTable = launchDecodeAttention(&k, cache, 1, nullptr, 1, nullptr, nullptr, stream(), &rope);
    ASSERT_FALSE(noTable);
    EXPECT_NE(noTable.message.find("rope needs its table"), std::string::npos) << noTable.message;
}

}  // namespace
}  // namespace q4
