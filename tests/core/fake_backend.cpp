#include "fake_backend.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace q4::testing {
namespace {

class FakeInstance final : public KernelInstance {
public:
    FakeInstance(FakeBackend& backend, const FakeKernel& kernel, std::size_t outputs)
        : backend_(backend), kernel_(kernel), c_(outputs, 0.0f) {}

    Status poisonOutput() override {
        std::fill(c_.begin(), c_.end(), std::numeric_limits<float>::quiet_NaN());
        return Status::success();
    }
    Status launch(const TimingOptions&) override {
        if (kernel_.onLaunch) kernel_.onLaunch();
        if (kernel_.output == FakeOutput::Correct) std::fill(c_.begin(), c_.end(), 1.0f);
        if (kernel_.output == FakeOutput::Wrong) std::fill(c_.begin(), c_.end(), 2.0f);
        return Status::success();
    }
    Expected<std::vector<float>> readOutput() override {
        if (kernel_.failsDevice) backend_.failDevice();
        return c_;
    }
    Expected<double> timeLaunches(int launches, const TimingOptions& timing) override {
        backend_.launchesPerTiming[kernel_.id].push_back(launches);
        for (int i = 0; i < launches; ++i)
            if (Status s = launch(timing); !s) return s.asError();
        // Alternating samples: a noise no sample count brings under a tight target.
        const double jitter = (++samples_ % 2) ? 1.5 : 0.5;
        return launches * kernel_.secondsPerLaunch * jitter;
    }
    Expected<double> timeStream(const TimingOptions& timing) override {
        ++backend_.streamSamples[kernel_.id];
        for (std::int64_t i = 0; i < FakeBackend::kFakeStreamCopies; ++i)
            if (Status s = launch(timing); !s) return s.asError();
        return kernel_.secondsPerLaunch;
    }
    std::optional<std::int64_t> streamCopies() const override {
        return backend_.streamSamples.count(kernel_.id) ? std::optional<std::int64_t>(FakeBackend::kFakeStreamCopies)
                                                        : std::nullopt;
    }
    MemoryBreakdown memory() const override { return MemoryBreakdown{.weights = 1000}; }

private:
    FakeBackend& backend_;
    const FakeKernel& kernel_;
    std::vector<float> c_;
    int samples_ = 0;
};

}  // namespace

Expected<std::unique_ptr<KernelInstance>> FakeBackend::prepare(const std::string& id, const Problem& problem) {
    const FakeKernel& kernel = find(id);
    if (!kernel.prepareError.empty()) return Error{kernel.prepareError};
    return std::unique_ptr<KernelInstance>(
        std::make_unique<FakeInstance>(*this, kernel, std::size_t(problem.point.m * problem.point.n)));
}

}  // namespace q4::testing
