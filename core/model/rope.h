#pragma once
// Rotary position embeddings' frequencies, shared by the CPU reference and the CUDA decoder so
// both rotate by the same angles (docs/model.md, step 2.3).
#include <cstdint>
#include <vector>

#include "common/expected.h"
#include "model/architecture.h"

namespace q4 {

// inv_freq[i] = theta^(-2i / head_dim) for i in [0, head_dim / 2), in double, scaled as
// rope_scaling says: "linear" divides every frequency by factor; "llama3" divides the low
// frequencies by factor, keeps the high ones and blends the band between (Llama 3.1's reference);
// "none" and "dynamic" leave them as they are (dynamic changes nothing up to
// max_position_embeddings, and checkRopeContext refuses longer contexts).
// Position p of pair i rotates by the angle p * inv_freq[i].
std::vector<double> ropeInverseFrequencies(const ModelArchitecture& arch);

// Whether a context of `context` positions can run: "dynamic" scaling would rescale beyond
// max_position_embeddings, which neither decoder implements, so longer contexts are refused.
Status checkRopeContext(const ModelArchitecture& arch, std::int64_t context);

}  // namespace q4
