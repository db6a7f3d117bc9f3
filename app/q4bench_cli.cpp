// q4bench-cli: the engine headless, for scripts, CI and GPU servers without a display.
// Exit codes: 0 every record ran (or was unsupported), 1 some record failed, 2 invalid input.
#include <csignal>
#include <iostream>

#include "backend/backend_registry.h"
#include "cli_options.h"
#include "io/csv_writer.h"
#include "io/journal.h"
#include "io/json_io.h"
#include "io/table_printer.h"
#include "run/runner.h"
#include "sweep/presets.h"

namespace {

q4::CancelToken* activeCancel = nullptr;

void onInterrupt(int) {
    if (activeCancel) activeCancel->cancel();  // finish the current sample, keep every record
}

int listDevices() {
    for (const q4::BackendFactory& backend : q4::BackendRegistry::instance().all()) {
        std::cout << "backend " << backend.name << ": " << backend.description << "\n";
        auto devices = backend.devices();
        if (!devices) {
            std::cout << "  none usable: " << devices.error() << "\n";
            continue;
        }
        for (std::size_t i = 0; i < devices->size(); ++i) {
            const auto& d = (*devices)[i];
            std::cout << "  " << i << ": " << d.name;
            if (!d.computeCapability.empty()) std::cout << ", compute " << d.computeCapability;
            std::cout << ", " << d.multiprocessors << (d.computeCapability.empty() ? " threads" : " SMs") << ", "
                      << d.memoryBytes / (1 << 20) << " MiB, L2 " << d.l2Bytes / (1 << 20) << " MiB";
            if (!d.driverVersion.empty())
                std::cout << ", driver " << d.driverVersion << ", runtime " << d.runtimeVersion << ", cuBLAS "
                          << d.cublasVersion;
            std::cout << "\n";
        }
    }
    return 0;
}

int listPresets() {
    for (const auto& p : q4::builtinPresets()) {
        std::cout << p.name << ": " << p.description << "\n";
        for (const auto& l : p.layers) std::cout << "    " << l.name << "  n=" << l.n << " k=" << l.k << "\n";
    }
    return 0;
}

// Lists from the catalog, so kernels can be listed on a machine without the device.
int listKernels(const std::string& backendName) {
    const auto& registry = q4::BackendRegistry::instance();
    const std::string name = backendName == "auto" ? registry.resolveAuto() : backendName;
    const q4::BackendFactory* backend = registry.find(name);
    if (!backend) {
        std::cerr << "error: --backend: '" << name << "' is not a backend of this build: use "
                  << registry.namesForMessage() << "\n";
        return 2;
    }
    std::cout << "backend " << name << "\n";
    for (const auto& k : backend->kernels()) {
        std::cout << "  " << k.id << (k.baseline ? " [baseline]" : "")
                  << (k.ranked ? "" : " [reference, not ranked]") << "\n      " << k.description
                  << "\n      constraints: " << k.constraints << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int exitCode = 0;
    auto parsed = q4::parseCommandLine(argc, argv, exitCode);
    if (!parsed) {
        (exitCode == 0 ? std::cout : std::cerr) << parsed.error() << "\n";
        return exitCode;
    }
    const q4::CliRequest& request = parsed.value();
    if (request.listDevices) return listDevices();
    if (request.listPresets) return listPresets();
    if (request.listKernels) return listKernels(request.spec.backend);

    auto backend = q4::BackendRegistry::instance().create(request.spec.backend, request.device);
    if (!backend) {
        std::cerr << "error: " << backend.error() << "\n";
        return 2;
    }

    q4::CancelToken cancel;
    activeCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);

    q4::RunCallbacks header;
    header.onStart = [&](const q4::RunInfo& info) {
        if (request.quiet) return q4::Status::success();
        std::cout << "# q4bench " << info.projectVersion << " | " << info.backend << " | " << info.device.name;
        if (!info.device.computeCapability.empty()) std::cout << " (cc " << info.device.computeCapability << ")";
        if (!info.device.driverVersion.empty()) std::cout << " | driver " << info.device.driverVersion;
        std::cout << " | " << info.startedUtc << " | L2 " << q4::nameOf(request.spec.timing.l2) << " | seed "
                  << request.spec.seed << "\n";
        if (info.ceilings.copyBytesPerSecond)
            std::cout << "# measured copy bandwidth " << *info.ceilings.copyBytesPerSecond / 1e9 << " GB/s";
        if (info.ceilings.fp16FlopsPerSecond)
            std::cout << ", fp16 matrix rate " << *info.ceilings.fp16FlopsPerSecond / 1e12 << " TFLOP/s";
        std::cout << "\n";
        return q4::Status::success();
    };
    auto log = [](const std::string& line) { std::cerr << line << "\n"; };
    std::vector<q4::RunCallbacks> observers{header, q4::consoleTableObserver(std::cout)};
    if (!request.journalPath.empty()) observers.push_back(q4::journalObserver(request.journalPath, log));
    q4::RunCallbacks callbacks = q4::chainCallbacks(std::move(observers));
    callbacks.onLog = log;

    q4::RunOptions options;
    options.commandLine = request.commandLine;
    auto result = q4::runSweep(*backend.value(), request.spec, options, callbacks, cancel);
    activeCancel = nullptr;
    if (!result) {
        std::cerr << "error: " << result.error() << "\n";
        return 2;
    }

    int status = 0;
    if (!request.csvPath.empty()) {
        if (auto s = q4::writeCsvFile(request.csvPath, result->records); !s) {
            std::cerr << "error: " << s.message << "\n";
            status = 1;
        }
    }
    if (!request.jsonPath.empty()) {
        if (auto s = q4::writeResultFile(request.jsonPath, result.value()); !s) {
            std::cerr << "error: " << s.message << "\n";
            status = 1;
        }
    }
    for (const auto& r : result->records)
        if (r.status == q4::RecordStatus::Incorrect || r.status == q4::RecordStatus::Error) status = 1;
    if (cancel.cancelled()) status = 130;
    return status;
}
