#include "model_command.h"

#include <iostream>

#include "backend/backend_registry.h"
#include "exit_codes.h"
#include "io/model_io.h"
#include "io/output_file.h"
#include "model/model_runner.h"
#include "model_table.h"

namespace q4 {

int runModelCommand(const CliRequest& request, CancelToken& cancel) {
    for (const auto& [flag, path] : {std::pair{"--csv", &request.csvPath}, std::pair{"--json", &request.jsonPath}}) {
        if (path->empty()) continue;
        if (Status s = checkOutputPath(*path); !s) {
            std::cerr << "error: " << flag << ": " << s.message << "\n";
            return kInvalidInput;
        }
    }
    const ModelSpec& spec = request.modelSpec;
    auto backend = BackendRegistry::instance().create(spec.backend, request.device);
    if (!backend) {
        std::cerr << "error: " << backend.error() << "\n";
        return kInvalidInput;
    }

    ModelRunCallbacks callbacks;
    callbacks.onStart = [&](const RunInfo& info) {
        if (!request.quiet) {
            std::cout << "# q4bench " << info.projectVersion << " model | " << info.backend << " | " << info.device.name;
            if (!info.device.driverVersion.empty()) std::cout << " | driver " << info.device.driverVersion;
            std::cout << " | " << info.startedUtc << " | " << (spec.preset.empty() ? spec.checkpoint : spec.preset)
                      << " | prompt " << spec.prompt << " | new " << spec.newTokens << "\n";
            if (info.ceilings.copyBytesPerSecond)
                std::cout << "# measured copy bandwidth " << *info.ceilings.copyBytesPerSecond / 1e9 << " GB/s\n";
        }
        printModelTableHeader(std::cout);
        return Status::success();
    };
    callbacks.onRecord = [&](const ModelRecord& r) {
        printModelTableRow(std::cout, r);
        if (!request.quiet) printComponentLine(std::cout, r);
        std::cout.flush();
    };
    callbacks.onLog = [&](const std::string& line) {
        if (!request.quiet) std::cerr << line << "\n";
    };

    ModelRunOptions options;
    options.commandLine = request.commandLine;
    auto result = runModel(*backend.value(), spec, options, callbacks, cancel);
    if (!result) {
        std::cerr << "error: " << result.error() << "\n";
        return kInvalidInput;
    }

    int status = kAllRan;
    if (!request.csvPath.empty()) {
        if (Status s = writeModelCsvFile(request.csvPath, result->records); !s) {
            std::cerr << "error: --csv: " << s.message << "\n";
            status = kOutputFailed;
        }
    }
    if (!request.jsonPath.empty()) {
        if (Status s = writeModelResultFile(request.jsonPath, *result); !s) {
            std::cerr << "error: --json: " << s.message << "\n";
            status = kOutputFailed;
        }
    }
    if (cancel.cancelled()) return kInterrupted;
    if (status != kAllRan) return status;
    for (const ModelRecord& r : result->records)
        if (r.status == RecordStatus::Incorrect || r.status == RecordStatus::Error) return kRecordFailed;
    return kAllRan;
}

}  // namespace q4
