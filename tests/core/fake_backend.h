#pragma once
// A backend whose kernels behave as a test tells them to, so the engine's protocol (validation,
// errors, unsupported points, sticky failures, baselines, timing) can be tested without a device.
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace q4::testing {

enum class FakeOutput { Correct, Wrong, Unwritten };

struct FakeKernel {
    std::string id;
    FakeOutput output = FakeOutput::Correct;
    double secondsPerLaunch = 1e-3;
    std::string unsupportedReason;  // non-empty: supports() refuses with it
    std::string prepareError;       // non-empty: prepare() fails with it
    bool failsDevice = false;       // after its record, health() reports a sticky error
    bool baseline = false;
    // Called on every launch (count launches, cancel mid-warm-up, ...).
    std::function<void()> onLaunch;
};

class FakeBackend final : public Backend {
public:
    FakeBackend(std::initializer_list<FakeKernel> kernels) : kernels_(kernels) {}

    std::string name() const override { return "fake"; }
    DeviceInfo deviceInfo() const override { return DeviceInfo{.name = "fake device"}; }
    Ceilings ceilings() override { return Ceilings{1e11, 1e13}; }
    std::vector<KernelInfo> kernels() const override {
        std::vector<KernelInfo> infos;
        for (const FakeKernel& k : kernels_) infos.push_back({k.id, "fake", "", "", true, k.baseline});
        return infos;
    }
    std::string baselineKernel() const override {
        for (const FakeKernel& k : kernels_)
            if (k.baseline) return k.id;
        return {};
    }
    std::int64_t memoryLimitBytes() const override { return 0; }
    Status supports(const std::string& id, const SweepPoint&) const override {
        const FakeKernel& k = find(id);
        return k.unsupportedReason.empty() ? Status::success() : Status::failure(k.unsupportedReason);
    }
    Status supportsTiming(const TimingOptions& timing) const override {
        return streamTiming ? Status::success() : Backend::supportsTiming(timing);
    }
    Expected<std::unique_ptr<KernelInstance>> prepare(const std::string& id, const Problem& problem) override;
    Status health() override { return deviceFailed_ ? Status::failure("fake sticky error") : Status::success(); }
    Expected<std::vector<float>> reference(const Problem& problem, const std::vector<float>&) override {
        return std::vector<float>(std::size_t(problem.point.m * problem.point.n), 1.0f);
    }

    void failDevice() { deviceFailed_ = true; }
    const FakeKernel& find(const std::string& id) const {
        for (const FakeKernel& k : kernels_)
            if (k.id == id) return k;
        return kernels_.front();
    }
    std::map<std::string, std::vector<int>> launchesPerTiming;  // kernel -> launches of each timeLaunches call
    bool streamTiming = false;  // supports l2=stream: each sample is one timeStream call over kFakeStreamCopies
    static constexpr std::int64_t kFakeStreamCopies = 6;
    std::map<std::string, int> streamSamples;  // kernel -> timeStream calls

private:
    std::vector<FakeKernel> kernels_;
    bool deviceFailed_ = false;
};

}  // namespace q4::testing
