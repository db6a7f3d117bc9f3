#pragma once
// Times a decode step's components (model_instance.h names them) on steady_clock, or does nothing
// when off, so the same forward-pass code runs timed and untimed.
#include <array>
#include <chrono>
#include <utility>

#include "model/model_instance.h"

namespace q4 {

enum class Component {
    Embedding,
    QkvProj,
    Attention,
    OProj,
    GateUpProj,
    MlpAct,
    DownProj,
    Norms,
    Residual,
    LmHead,
    Sampling
};

class ComponentClock {
public:
    explicit ComponentClock(bool on) : on_(on) {}

    template <class Work>
    void time(Component component, Work&& work) {
        if (!on_) {
            std::forward<Work>(work)();
            return;
        }
        const auto start = std::chrono::steady_clock::now();
        std::forward<Work>(work)();
        seconds_[std::size_t(component)] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    // Components in the order a step runs them; stepSeconds is their sum.
    StepProfile profile() const {
        static const char* const kNames[] = {"embedding", "qkv_proj", "attention", "o_proj",  "gate_up_proj", "mlp_act",
                                             "down_proj", "norms",    "residual",  "lm_head", "sampling"};
        StepProfile profile;
        profile.method = "host clock around each component";
        for (std::size_t i = 0; i < seconds_.size(); ++i) {
            profile.components.push_back({kNames[i], seconds_[i]});
            profile.stepSeconds += seconds_[i];
        }
        return profile;
    }

private:
    bool on_;
    std::array<double, 11> seconds_{};
};

}  // namespace q4
