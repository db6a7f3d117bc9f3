#include "cli_options.h"

#include <CLI/CLI.hpp>

#include <sstream>
#include <tuple>

#include "io/json_io.h"

namespace q4 {
namespace {

Expected<std::vector<int>> parseGroupSizes(const std::string& text) {
    std::vector<int> sizes;
    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        try {
            std::size_t used = 0;
            const int value = std::stoi(item, &used);
            if (used != item.size()) throw std::invalid_argument(item);
            sizes.push_back(value);
        } catch (const std::exception&) {
            return Error{"--group-size: '" + item + "' is not an integer (use e.g. 128 or 32,64,128,-1)"};
        }
    }
    if (sizes.empty()) return Error{"--group-size: the list is empty"};
    return sizes;
}

Expected<std::vector<bool>> parseYesNoBoth(const std::string& text, const std::string& flag) {
    if (text == "yes" || text == "on" || text == "true") return std::vector<bool>{true};
    if (text == "no" || text == "off" || text == "false") return std::vector<bool>{false};
    if (text == "both") return std::vector<bool>{true, false};
    return Error{flag + ": '" + text + "' must be one of yes, no, both"};
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ','))
        if (!item.empty()) items.push_back(item);
    return items;
}

}  // namespace

Expected<CliRequest> parseCommandLine(int argc, char** argv, int& exitCode) {
    exitCode = 2;
    CliRequest request;
    for (int i = 0; i < argc; ++i) request.commandLine += (i ? " " : "") + std::string(argv[i]);

    CLI::App app{"q4bench-cli: benchmark int4-weight x fp16-activation (GPTQ) GEMM/GEMV kernels"};
    std::string m, n, k, groups, actOrder, symmetric, zeroFormat, kernels, backend = "auto", preset, sweepFile, l2;
    SweepSpec& spec = request.spec;
    TimingOptions& timing = spec.timing;
    app.add_option("--sweep", sweepFile, "Start from a sweep spec JSON file; other flags override it");
    app.add_option("--m", m, "Batch sizes (rows of A): list or range, e.g. 1,2,4 or 1:4096:x2 (default 1)");
    app.add_option("--n", n, "Output features: list or range (default 8192)");
    app.add_option("--k", k, "Input features: list or range (default 8192)");
    app.add_option("--preset", preset, "Shapes from a preset (see --list-presets) instead of --n x --k");
    app.add_option("--group-size", groups, "Quantization group sizes, -1 = one group (default 128)");
    app.add_option("--act-order", actOrder, "yes, no or both (default no)");
    app.add_option("--symmetric", symmetric, "Symmetric zeros: yes, no or both (default yes)");
    app.add_option("--zero-format", zeroFormat, "Zero-point storage: v1 (gptq) or v2 (gptq_v2) (default v1)");
    app.add_option("--kernels", kernels, "Kernel ids, comma-separated, or all (default all)");
    app.add_option("--backend", backend, "cuda, cpu or auto (default auto: cuda when a device is usable)");
    app.add_option("--device", request.device, "CUDA device index (default 0)");
    app.add_option("--seed", spec.seed, "Seed of the random weights and activations");
    app.add_option("--tolerance", spec.tolerance, "Relative error above which a record fails (default 0.01)");
    app.add_option("--warmup", timing.warmup, "Untimed runs before sampling (default 3)");
    app.add_option("--min-samples", timing.minSamples, "Minimum timed samples (default 10)");
    app.add_option("--min-time", timing.minTimeSeconds, "Minimum seconds of sampling (default 0.5)");
    app.add_option("--max-noise", timing.maxNoise, "Target relative standard error of the mean (default 0.005)");
    app.add_option("--timeout", timing.timeoutSeconds, "Seconds after which sampling stops (default 15)");
    app.add_option("--l2", l2, "cold (flush L2 before every sample, default) or hot");
    app.add_flag("--cuda-graph", timing.cudaGraph, "Replay each launch from a CUDA graph");
    app.add_option("--csv", request.csvPath, "Write records as CSV");
    app.add_option("--json", request.jsonPath, "Write run info and records as JSON");
    app.add_option("--journal", request.journalPath, "Journal file (JSON lines written as records land)");
    app.add_flag("--list-kernels", request.listKernels, "List the kernels of the backend and exit");
    app.add_flag("--list-devices", request.listDevices, "List CUDA devices and exit");
    app.add_flag("--list-presets", request.listPresets, "List shape presets and exit");
    app.add_flag("--quiet", request.quiet, "Print only the table");
    app.set_version_flag("--version", std::string("q4bench-cli ") + Q4BENCH_VERSION);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        exitCode = 0;
        return Error{app.help()};
    } catch (const CLI::CallForVersion&) {
        exitCode = 0;
        return Error{std::string("q4bench-cli ") + Q4BENCH_VERSION};
    } catch (const CLI::ParseError& e) {
        return Error{e.what()};
    }

    if (!sweepFile.empty()) {
        // Start from the file, then let explicit flags override.
        const SweepSpec flagsSpec = spec;
        auto loaded = readSweepSpecFile(sweepFile);
        if (!loaded) return Error{"--sweep: " + loaded.error()};
        SweepSpec fileSpec = loaded.value();
        auto given = [&](const char* name) { return app.count(name) > 0; };
        if (given("--seed")) fileSpec.seed = flagsSpec.seed;
        if (given("--tolerance")) fileSpec.tolerance = flagsSpec.tolerance;
        if (given("--warmup")) fileSpec.timing.warmup = timing.warmup;
        if (given("--min-samples")) fileSpec.timing.minSamples = timing.minSamples;
        if (given("--min-time")) fileSpec.timing.minTimeSeconds = timing.minTimeSeconds;
        if (given("--max-noise")) fileSpec.timing.maxNoise = timing.maxNoise;
        if (given("--timeout")) fileSpec.timing.timeoutSeconds = timing.timeoutSeconds;
        if (given("--cuda-graph")) fileSpec.timing.cudaGraph = timing.cudaGraph;
        spec = fileSpec;
        if (!app.count("--backend")) backend = spec.backend;
    } else if (preset.empty() && m.empty() && n.empty() && k.empty()) {
        spec.preset = "original";  // the default run is the original comparison
        spec.actOrder = ActOrderMode::Both;
    }

    for (auto [text, flag, axis] : {std::tuple{&m, "--m", &spec.m}, {&n, "--n", &spec.n}, {&k, "--k", &spec.k}}) {
        if (text->empty()) continue;
        auto values = parseIntList(*text, flag);
        if (!values) return Error{values.error()};
        *axis = values.value();
    }
    if (!preset.empty()) spec.preset = preset;
    if (!groups.empty()) {
        auto v = parseGroupSizes(groups);
        if (!v) return Error{v.error()};
        spec.groupSizes = v.value();
    }
    if (!actOrder.empty()) {
        auto v = parseActOrder(actOrder);
        if (!v) return Error{"--" + v.error()};
        spec.actOrder = v.value();
    }
    if (!symmetric.empty()) {
        auto v = parseYesNoBoth(symmetric, "--symmetric");
        if (!v) return Error{v.error()};
        spec.symmetric = v.value();
    }
    if (!zeroFormat.empty()) {
        auto v = parseZeroFormat(zeroFormat);
        if (!v) return Error{"--zero-format: " + v.error()};
        spec.zeroFormat = v.value();
    }
    if (!kernels.empty()) spec.kernels = splitList(kernels);
    if (!l2.empty()) {
        if (l2 != "cold" && l2 != "hot") return Error{"--l2: '" + l2 + "' must be cold or hot"};
        spec.timing.coldL2 = l2 == "cold";
    }
    spec.backend = backend;
    exitCode = 0;
    return request;
}

}  // namespace q4
