#include "model/rope.h"

#include <cmath>
#include <numbers>
#include <string>

namespace q4 {

std::vector<double> ropeInverseFrequencies(const ModelArchitecture& arch) {
    const std::int64_t pairs = arch.headDim / 2;
    std::vector<double> invFreq(std::size_t(pairs > 0 ? pairs : 0));
    const RopeScaling& rope = arch.ropeScaling;
    for (std::int64_t i = 0; i < pairs; ++i) {
        double f = std::pow(arch.ropeTheta, -2.0 * double(i) / double(arch.headDim));
        if (rope.type == "linear") {
            f /= rope.factor;
        } else if (rope.type == "llama3") {
            // Wavelengths shorter than original / high_freq_factor stay; longer than
            // original / low_freq_factor are slowed by factor; in between, a linear blend in
            // original / wavelength.
            const double original = double(rope.originalMaxPositions);
            const double wavelength = 2.0 * std::numbers::pi / f;
            if (wavelength > original / rope.lowFreqFactor) {
                f /= rope.factor;
            } else if (wavelength >= original / rope.highFreqFactor) {
                const double smooth =
                    (original / wavelength - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
                f = (1.0 - smooth) * f / rope.factor + smooth * f;
            }
        }
        invFreq[std::size_t(i)] = f;
    }
    return invFreq;
}

Status checkRopeContext(const ModelArchitecture& arch, std::int64_t context) {
    if (arch.ropeScaling.type != "dynamic") return Status::success();
    if (arch.maxPositions <= 0)
        return Status::failure("rope_scaling 'dynamic' needs max_position_embeddings to bound the context",
                               "max_position_embeddings");
    if (context > arch.maxPositions)
        return Status::failure("a context of " + std::to_string(context) +
                                   " positions is above max_position_embeddings=" + std::to_string(arch.maxPositions) +
                                   ": rope_scaling 'dynamic' would rescale the frequencies, which the decoders do not "
                                   "do",
                               "max_position_embeddings");
    return Status::success();
}

}  // namespace q4
