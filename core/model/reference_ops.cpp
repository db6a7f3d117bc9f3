#include "model/reference_ops.h"

#include <algorithm>
#include <cmath>

#include "gptq/half.h"

namespace q4 {

float roundToHalf(double value) {
    return halfToFloat(floatToHalf(float(value)));
}

void rmsNormRow(const float* x, const float* weight, std::int64_t n, double eps, float* out) {
    double sumSquares = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sumSquares += double(x[i]) * double(x[i]);
    const double inverse = 1.0 / std::sqrt(sumSquares / double(n) + eps);
    for (std::int64_t i = 0; i < n; ++i) out[i] = roundToHalf(double(x[i]) * inverse * double(weight[i]));
}

void linearRows(const float* a, std::int64_t m, const float* w, std::int64_t k, std::int64_t n, float* out,
                std::int64_t outStride, std::int64_t outOffset) {
    std::vector<double> acc(std::size_t(n > 0 ? n : 0));
    for (std::int64_t i = 0; i < m; ++i) {
        std::fill(acc.begin(), acc.end(), 0.0);
        // i-r-j order: the inner loop runs along a contiguous row of w.
        for (std::int64_t r = 0; r < k; ++r) {
            const double air = a[i * k + r];
            const float* row = w + r * n;
            for (std::int64_t j = 0; j < n; ++j) acc[std::size_t(j)] += air * double(row[j]);
        }
        float* dst = out + i * outStride + outOffset;
        for (std::int64_t j = 0; j < n; ++j) dst[j] = roundToHalf(acc[std::size_t(j)]);
    }
}

void applyRope(float* head, std::int64_t headDim, std::int64_t position, const std::vector<double>& invFreq) {
    const std::int64_t half = headDim / 2;
    for (std::int64_t i = 0; i < half; ++i) {
        const double angle = double(position) * invFreq[std::size_t(i)];
        const double c = std::cos(angle), s = std::sin(angle);
        const double x1 = head[i], x2 = head[i + half];
        head[i] = roundToHalf(x1 * c - x2 * s);
        head[i + half] = roundToHalf(x2 * c + x1 * s);
    }
}

void attendHead(const float* q, const float* keys, const float* values, std::int64_t length, std::int64_t stride,
                std::int64_t headDim, float* out) {
    std::vector<double> scores(std::size_t(length > 0 ? length : 0));
    const double scale = 1.0 / std::sqrt(double(headDim));
    double largest = -INFINITY;
    for (std::int64_t t = 0; t < length; ++t) {
        double dot = 0.0;
        for (std::int64_t d = 0; d < headDim; ++d) dot += double(q[d]) * double(keys[t * stride + d]);
        scores[std::size_t(t)] = dot * scale;
        largest = std::max(largest, dot * scale);
    }
    double total = 0.0;
    for (double& score : scores) {
        score = std::exp(score - largest);
        total += score;
    }
    for (std::int64_t d = 0; d < headDim; ++d) {
        double sum = 0.0;
        for (std::int64_t t = 0; t < length; ++t) sum += scores[std::size_t(t)] * double(values[t * stride + d]);
        out[d] = roundToHalf(sum / total);
    }
}

void siluMul(const float* gate, const float* up, std::int64_t n, float* out) {
    for (std::int64_t i = 0; i < n; ++i) {
        const double g = gate[i];
        out[i] = roundToHalf(g / (1.0 + std::exp(-g)) * double(up[i]));
    }
}

void logitsRow(const float* h, const float* head, std::int64_t vocab, std::int64_t hidden, float* logits) {
    for (std::int64_t v = 0; v < vocab; ++v) {
        const float* row = head + v * hidden;
        double sum = 0.0;
        for (std::int64_t d = 0; d < hidden; ++d) sum += double(h[d]) * double(row[d]);
        logits[v] = float(sum);
    }
}

std::int32_t argMax(const float* values, std::int64_t n) {
    std::int64_t best = 0;
    for (std::int64_t i = 1; i < n; ++i)
        if (values[i] > values[best]) best = i;
    return std::int32_t(best);
}

}  // namespace q4
