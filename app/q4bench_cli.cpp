// q4bench-cli: the engine headless, for scripts, CI and GPU servers without a display.
#include <csignal>
#include <cstring>
#include <iostream>

#include "backend/backend_registry.h"
#include "checkpoint/checkpoint_summary.h"
#include "cli_options.h"
#include "exit_codes.h"
#include "io/csv_writer.h"
#include "io/journal.h"
#include "io/json_io.h"
#include "io/output_file.h"
#include "io/table_printer.h"
#include "model_command.h"
#include "run/runner.h"
#include "sweep/presets.h"

namespace {

q4::CancelToken* activeCancel = nullptr;

void onInterrupt(int) {
    if (activeCancel) activeCancel->cancel();  // finish the current sample, keep every record
}

// Interrupts end the sweep cleanly and outputs are still written; a reader that goes away (a pipe
// into head) must not kill the process before it writes its files, so SIGPIPE is ignored and
// writes to the closed pipe just fail.
void handleSignals() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

// Every output is checked before the first point, so a typo in a path costs nothing measured.
int checkOutputs(const q4::CliRequest& request) {
    const std::pair<const char*, const std::string*> outputs[] = {
        {"--csv", &request.csvPath}, {"--json", &request.jsonPath}, {"--journal", &request.journalPath}};
    for (const auto& [flag, path] : outputs) {
        if (path->empty() || (request.resume && path == &request.journalPath)) continue;
        if (q4::Status s = q4::checkOutputPath(*path); !s) {
            std::cerr << "error: " << flag << ": " << s.message << "\n";
            return kInvalidInput;
        }
    }
    return kAllRan;
}

int writeOutputs(const q4::CliRequest& request, const q4::RunResult& result) {
    int status = kAllRan;
    if (!request.csvPath.empty()) {
        if (auto s = q4::writeCsvFile(request.csvPath, result.records); !s) {
            std::cerr << "error: --csv: " << s.message << "\n";
            status = kOutputFailed;
        }
    }
    if (!request.jsonPath.empty()) {
        if (auto s = q4::writeResultFile(request.jsonPath, result); !s) {
            std::cerr << "error: --json: " << s.message << "\n";
            status = kOutputFailed;
        }
    }
    return status;
}

// `recover JOURNAL`: the records of a journal as result files, as far as the journal goes.
int recover(const q4::CliRequest& request) {
    auto journal = q4::recoverJournal(request.recoverPath);
    if (!journal) {
        std::cerr << "error: recover: " << journal.error() << "\n";
        return kInvalidInput;
    }
    std::cout << "recover: " << journal->result.records.size() << " record(s) from '" << request.recoverPath << "', "
              << (journal->complete ? "a finished run" : "an unfinished run");
    if (journal->discardedLines) std::cout << ", " << journal->discardedLines << " unreadable line(s) skipped";
    std::cout << "\n";
    if (int status = checkOutputs(request); status != kAllRan) return status;
    return writeOutputs(request, journal->result);
}

// `--resume`: the records the journal holds, provided it was written for the same spec.
q4::Expected<std::vector<q4::Record>> resumedRecords(const q4::CliRequest& request) {
    auto journal = q4::recoverJournal(request.journalPath);
    if (!journal) return q4::Error{"--resume: " + journal.error()};
    auto journalSpec = q4::sweepSpecFromJson(journal->result.info.specJson);
    if (!journalSpec) return q4::Error{"--resume: the journal's spec does not read: " + journalSpec.error()};
    if (q4::sweepSpecToJson(*journalSpec) != q4::sweepSpecToJson(request.spec))
        return q4::Error{"--resume: the journal '" + request.journalPath +
                         "' was written for another sweep spec; run with the same flags or sweep file"};
    return journal->result.records;
}

// `inspect DIR`: the checkpoint's layers and architecture, optionally as JSON too.
int inspect(const q4::CliRequest& request) {
    if (!request.jsonPath.empty())
        if (q4::Status s = q4::checkOutputPath(request.jsonPath); !s) {
            std::cerr << "error: --json: " << s.message << "\n";
            return kInvalidInput;
        }
    auto checkpoint = q4::Checkpoint::open(request.inspectPath);
    if (!checkpoint) {
        std::cerr << "error: inspect: " << checkpoint.error() << "\n";
        return kInvalidInput;
    }
    auto summary = q4::summarizeCheckpoint(*checkpoint);
    if (!summary) {
        std::cerr << "error: inspect: " << summary.error() << "\n";
        return kInvalidInput;
    }
    std::cout << q4::checkpointSummaryText(*summary);
    if (request.jsonPath.empty()) return kAllRan;
    if (q4::Status s = q4::writeFileAtomically(request.jsonPath, q4::checkpointSummaryToJson(*summary)); !s) {
        std::cerr << "error: --json: " << s.message << "\n";
        return kOutputFailed;
    }
    return kAllRan;
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
    handleSignals();
    if (!request.recoverPath.empty()) return recover(request);
    if (!request.inspectPath.empty()) return inspect(request);
    if (request.model) {
        q4::CancelToken cancel;
        activeCancel = &cancel;
        const int status = q4::runModelCommand(request, cancel);
        activeCancel = nullptr;
        return status;
    }
    if (request.listDevices) return listDevices();
    if (request.listPresets) return listPresets();
    if (request.listKernels) return listKernels(request.spec.backend);

    if (int status = checkOutputs(request); status != kAllRan) return status;
    q4::RunOptions options;
    options.commandLine = request.commandLine;
    if (request.resume) {
        auto completed = resumedRecords(request);
        if (!completed) {
            std::cerr << "error: " << completed.error() << "\n";
            return kInvalidInput;
        }
        options.completed = std::move(completed).value();
    }

    auto backend = q4::BackendRegistry::instance().create(request.spec.backend, request.device);
    if (!backend) {
        std::cerr << "error: " << backend.error() << "\n";
        return kInvalidInput;
    }

    q4::CancelToken cancel;
    activeCancel = &cancel;

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
    if (!request.journalPath.empty())
        observers.push_back(q4::journalObserver(request.journalPath, log, request.resume));
    q4::RunCallbacks callbacks = q4::chainCallbacks(std::move(observers));
    callbacks.onLog = log;

    auto result = q4::runSweep(*backend.value(), request.spec, options, callbacks, cancel);
    activeCancel = nullptr;
    if (!result) {
        std::cerr << "error: " << result.error() << "\n";
        return kInvalidInput;
    }

    int status = writeOutputs(request, result.value());
    if (cancel.cancelled()) return kInterrupted;
    if (status != kAllRan) return status;
    for (const auto& r : result->records)
        if (r.status == q4::RecordStatus::Incorrect || r.status == q4::RecordStatus::Error) return kRecordFailed;
    return kAllRan;
}
