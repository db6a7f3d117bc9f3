#include "run/layer_source.h"

#include <utility>

#include "model/architecture.h"

namespace q4 {

Expected<LayerSource> LayerSource::forSpec(const SweepSpec& spec) {
    LayerSource source;
    source.seed_ = spec.seed;
    if (!spec.checkpoint.empty()) {
        auto checkpoint = Checkpoint::open(spec.checkpoint);
        if (!checkpoint) return Error{checkpoint.error(), "checkpoint"};
        source.checkpoint_ = std::move(checkpoint).value();
    }
    return source;
}

Expected<LayerData> LayerSource::load(const SweepPoint& point) const {
    if (!checkpoint_) return makeLayerData(point.n, point.k, point.quant, seed_, point.sparsity);
    const CheckpointLayer* layer = checkpoint_->findLayer(point.layer);
    if (!layer) return Error{"the checkpoint has no layer '" + point.layer + "'", "layers"};
    auto loaded = checkpoint_->loadLayer(*layer);
    if (!loaded) return loaded.takeError();
    LayerData data{std::move(loaded).value(), {}, std::nullopt, {}};
    data.dequantized = dequantize(data.layer);
    return data;
}

std::string LayerSource::checkpointName() const { return checkpoint_ ? checkpoint_->name() : std::string(); }

std::string LayerSource::architectureJson() const {
    return checkpoint_ ? architectureToJson(checkpoint_->architecture()) : std::string();
}

}  // namespace q4
