#include "backend/cpu_backend.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "backend/cpu_kernels.h"
#include "model/cpu_decoder.h"
#include "run/problem_data.h"

namespace q4 {
namespace {

const char* const kBaseline = "cpu_fp32_reference";

std::string cpuModelName() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos) return "CPU: " + line.substr(line.find_first_not_of(' ', colon + 1));
        }
    }
    return "CPU";
}

// Host copy bandwidth, counting bytes read plus written, best of a few 128 MiB copies.
double measureHostCopyBandwidth() {
    const std::size_t bytes = std::size_t(128) << 20;
    std::vector<char> src(bytes, 1), dst(bytes, 0);
    double best = 0;
    for (int i = 0; i < 4; ++i) {
        const auto start = std::chrono::steady_clock::now();
        std::memcpy(dst.data(), src.data(), bytes);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (i > 0 && seconds > 0) best = std::max(best, 2.0 * double(bytes) / seconds);  // first copy faults pages
        src[i] = dst[bytes - 1 - i];
    }
    return best;
}

class CpuBackend final : public Backend {
public:
    std::string name() const override { return "cpu"; }

    DeviceInfo deviceInfo() const override {
        DeviceInfo info;
        info.name = cpuModelName();
        info.multiprocessors = int(std::thread::hardware_concurrency());
        info.memoryBytes = memoryLimitBytes();
        const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
        info.l2Bytes = l2 > 0 ? l2 : 0;
        return info;
    }

    Ceilings ceilings() override {
        if (!ceilings_.copyBytesPerSecond) ceilings_.copyBytesPerSecond = measureHostCopyBandwidth();
        return ceilings_;  // no fp16 matrix unit: floors are bandwidth floors
    }

    std::vector<KernelInfo> kernels() const override {
        return {
            {kBaseline, "cpu-reference",
             "CPU: fp32 product over weights dequantized once at prepare (i-k-j loop, one thread). The CPU baseline; "
             "sparse points run their pruned weights densely.",
             "any valid GPTQ shape", true, true, allSparsities()},
            {"cpu_int4_fused", "cpu-int4",
             "CPU: reads the packed int4 qweight directly and dequantizes 8 rows at a time (one thread).",
             "any valid GPTQ shape", true},
            {"cpu_sparse_int4", "cpu-sparse",
             "CPU: reads the kept nibbles and the 16:32 mask or 2:4 index metadata of a sparse layer (one thread).",
             "sparse points (16:32, 2:4)", true, false, {Sparsity::Sparse16of32, Sparsity::Sparse2of4}},
        };
    }

    std::string baselineKernel() const override { return kBaseline; }

    std::int64_t memoryLimitBytes() const override {
        const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
        return pages > 0 && pageSize > 0 ? std::int64_t(pages) * pageSize : 0;
    }

    Status supports(const std::string& kernelId, const SweepPoint& point) const override {
        for (const auto& k : kernels())
            if (k.id == kernelId) {
                if (Status s = supportsSparsity(k, point.sparsity); !s) return s;
                return validateLayerShape(point.k, point.n, point.quant.groupSize);
            }
        return Status::failure("unknown kernel '" + kernelId + "' on the cpu backend");
    }

    Expected<std::unique_ptr<KernelInstance>> prepare(const std::string& kernelId, const Problem& problem) override {
        if (!problem.layer || !problem.a) return Error{"problem has no inputs"};
        if (kernelId == kBaseline) return makeCpuFp32Reference(problem);
        if (kernelId == "cpu_int4_fused") return makeCpuInt4Fused(problem);
        if (kernelId == "cpu_sparse_int4") {
            if (!problem.sparse) return Error{"cpu_sparse_int4 needs a sparse point"};
            return makeCpuSparseInt4(problem);
        }
        return Error{"unknown kernel '" + kernelId + "' on the cpu backend"};
    }

    Expected<std::vector<float>> reference(const Problem& problem, const std::vector<float>& dequantized) override {
        return referenceProduct(toFloat(*problem.a), problem.point.m, dequantized, problem.point.k, problem.point.n);
    }

    // The reference decoder computes every linear layer the same way (double accumulation over
    // dequantized weights), so only the reference kernel names it.
    Status supportsModel(const std::string& kernelId, Sparsity /*sparsity*/) const override {
        if (kernelId == kBaseline) return Status::success();
        return Status::failure("the cpu backend runs models with " + std::string(kBaseline) + " only");
    }

    Expected<std::unique_ptr<ModelInstance>> loadModel(const ModelWeightSource& weights, const std::string& kernelId,
                                                       const ModelLoadOptions& options) override {
        if (Status s = supportsModel(kernelId, options.sparsity); !s) return s.asError();
        return loadCpuDecoder(weights, options);
    }

private:
    Ceilings ceilings_;
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend() { return std::make_unique<CpuBackend>(); }

}  // namespace q4
