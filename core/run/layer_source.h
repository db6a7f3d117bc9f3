#pragma once
// Where a point's weights come from: generated from the spec's seed, or read from the spec's
// checkpoint (its packed tensors as stored, dequantized once per layer for the reference).
#include <cstdint>
#include <optional>
#include <string>

#include "checkpoint/checkpoint.h"
#include "common/expected.h"
#include "run/problem_data.h"
#include "sweep/sweep_spec.h"

namespace q4 {

class LayerSource {
public:
    // Opens the spec's checkpoint, if it names one.
    static Expected<LayerSource> forSpec(const SweepSpec& spec);

    Expected<LayerData> load(const SweepPoint& point) const;
    // The checkpoint's name for records, empty for generated weights.
    std::string checkpointName() const;
    // config.json's architecture as JSON, empty for generated weights.
    std::string architectureJson() const;

private:
    std::uint64_t seed_ = 0;
    std::optional<Checkpoint> checkpoint_;
};

}  // namespace q4
