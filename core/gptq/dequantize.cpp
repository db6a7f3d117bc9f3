#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <thread>

#include "common/parallel_for.h"
#include "gptq/gptq_layer.h"

namespace q4 {
namespace {

// Rows [rowBegin, rowEnd) and columns [colBegin, colEnd) of C = A * W. Loop order i, kk, j keeps
// the inner loop contiguous over row-major W.
void multiplyBlock(const float* a, const float* w, float* c, std::int64_t k, std::int64_t n, std::int64_t rowBegin,
                   std::int64_t rowEnd, std::int64_t colBegin, std::int64_t colEnd) {
    std::vector<double> acc(std::size_t(colEnd - colBegin));
    for (std::int64_t i = rowBegin; i < rowEnd; ++i) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (std::int64_t kk = 0; kk < k; ++kk) {
            const double aik = a[i * k + kk];
            const float* wRow = w + kk * n + colBegin;
            for (std::size_t j = 0; j < acc.size(); ++j) acc[j] += aik * double(wRow[j]);
        }
        for (std::size_t j = 0; j < acc.size(); ++j) c[i * n + colBegin + std::int64_t(j)] = float(acc[j]);
    }
}

}  // namespace

DecodedGroups decodeGroups(const GptqLayer& layer) {
    DecodedGroups decoded;
    decoded.scale.resize(layer.scales.size());
    for (std::size_t i = 0; i < decoded.scale.size(); ++i) decoded.scale[i] = halfToFloat(layer.scales[i]);
    const std::vector<std::uint8_t> stored = unpackZeros(layer.qzeros, layer.numGroups(), layer.n);
    decoded.zero.resize(stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) decoded.zero[i] = decodeZero(stored[i], layer.zeroFormat);
    return decoded;
}

std::vector<float> dequantize(const GptqLayer& layer) {
    const std::int64_t k = layer.k, n = layer.n;
    const std::vector<std::uint8_t> q = unpackWeights(layer.qweight, k, n);
    const std::vector<std::int32_t> gIdx = layer.gIdx.empty() ? naturalGroupIndex(k, layer.groupSize) : layer.gIdx;
    const DecodedGroups groups = decodeGroups(layer);
    const std::vector<float>& scale = groups.scale;
    const std::vector<int>& zero = groups.zero;

    std::vector<float> w(std::size_t(k * n));
    parallelFor(k, kParallelElements / std::max<std::int64_t>(n, 1), [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
            const std::size_t base = std::size_t(gIdx[std::size_t(r)]) * std::size_t(n);
            const float* rowScale = scale.data() + base;
            const int* rowZero = zero.data() + base;
            const std::uint8_t* rowQ = q.data() + std::size_t(r * n);
            float* row = w.data() + std::size_t(r * n);
            for (std::int64_t c = 0; c < n; ++c) row[c] = rowScale[c] * float(int(rowQ[c]) - rowZero[c]);
        }
    });
    return w;
}

std::vector<float> referenceProduct(const std::vector<float>& a, std::int64_t m, const std::vector<float>& w,
                                    std::int64_t k, std::int64_t n) {
    if (m < 0 || k < 0 || n < 0 || std::int64_t(a.size()) != m * k || std::int64_t(w.size()) != k * n) return {};
    std::vector<float> c(std::size_t(m * n));
    if (m == 0 || n == 0) return c;

    const double work = double(m) * double(n) * double(k);
    const auto hardware = std::int64_t(std::max(1u, std::thread::hardware_concurrency()));
    if (work < 1e7 || hardware == 1) {
        multiplyBlock(a.data(), w.data(), c.data(), k, n, 0, m, 0, n);
        return c;
    }

    // Split rows when there are enough of them, else columns (decode-like shapes have m = 1).
    const bool splitRows = m >= hardware;
    const std::int64_t extent = splitRows ? m : n;
    const std::int64_t parts = std::min(hardware, extent);
    std::vector<std::thread> threads;
    for (std::int64_t p = 0; p < parts; ++p) {
        const std::int64_t begin = extent * p / parts, end = extent * (p + 1) / parts;
        threads.emplace_back([&, begin, end] {
            if (splitRows)
                multiplyBlock(a.data(), w.data(), c.data(), k, n, begin, end, 0, n);
            else
                multiplyBlock(a.data(), w.data(), c.data(), k, n, 0, m, begin, end);
        });
    }
    for (auto& t : threads) t.join();
    return c;
}

double relativeError(const std::vector<float>& c, const std::vector<float>& ref) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    if (c.size() != ref.size()) return kInf;
    double diff = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!std::isfinite(c[i]) || !std::isfinite(ref[i])) return kInf;
        const double d = double(c[i]) - double(ref[i]);
        diff += d * d;
        norm += double(ref[i]) * double(ref[i]);
    }
    if (norm == 0.0) return diff == 0.0 ? 0.0 : kInf;
    return std::sqrt(diff) / std::sqrt(norm);
}

}  // namespace q4
