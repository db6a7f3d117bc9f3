#include "cli_options.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "io/json_io.h"
#include "model/model_spec.h"
#include "sweep/spec_fields.h"

namespace q4 {
namespace {

bool isSwitch(const SpecFieldInfo& field) {
    const std::string key = field.key;
    return key == "timing.cuda_graph" || key == "unique_shapes";
}

}  // namespace

Expected<CliRequest> parseCommandLine(int argc, char** argv, int& exitCode) {
    exitCode = 2;
    CliRequest request;
    for (int i = 0; i < argc; ++i) request.commandLine += (i ? " " : "") + std::string(argv[i]);

    CLI::App app{"q4bench-cli: benchmark int4-weight x fp16-activation (GPTQ) GEMM/GEMV kernels"};
    std::string sweepFile;
    app.add_option("--sweep", sweepFile, "Start from a sweep spec JSON file; other flags override it");

    // One option per sweep field, with the engine's help text; the values are read by setSpecField.
    // Yes/no fields are bare switches on the command line.
    std::map<std::string, std::string> texts;  // field key -> text given
    std::map<std::string, bool> switches;      // switch field key -> given
    for (const SpecFieldInfo& field : specFields()) {
        if (isSwitch(field)) app.add_flag(field.flag, switches[field.key], field.help);
        else app.add_option(field.flag, texts[field.key], field.help);
    }
    app.add_option("--device", request.device, "Device index of the backend (default 0)");
    app.add_option("--csv", request.csvPath, "Write records as CSV");
    app.add_option("--json", request.jsonPath, "Write run info and records as JSON");
    app.add_option("--journal", request.journalPath, "Journal file (JSON lines written as records land)");
    app.add_flag("--resume", request.resume,
                 "Continue the interrupted run in --journal: same spec required; points it holds are kept, not re-run");
    app.add_flag("--list-kernels", request.listKernels, "List the kernels of the backend and exit");
    app.add_flag("--list-devices", request.listDevices, "List the devices of every backend and exit");
    app.add_flag("--list-presets", request.listPresets, "List shape presets and exit");
    app.add_flag("--quiet", request.quiet, "Print only the table");
    app.set_version_flag("--version", std::string("q4bench-cli ") + Q4BENCH_VERSION);
    CLI::App* recover = app.add_subcommand("recover", "Turn a journal (of a finished or interrupted run) into result files");
    recover->add_option("journal", request.recoverPath, "The journal (JSON lines) to read")->required();
    recover->add_option("--csv", request.csvPath, "Write its records as CSV");
    recover->add_option("--json", request.jsonPath, "Write its run info and records as JSON");
    CLI::App* inspect = app.add_subcommand("inspect", "List a GPTQ checkpoint's linear layers and its architecture");
    inspect->add_option("directory", request.inspectPath, "The checkpoint directory")->required();
    inspect->add_option("--json", request.jsonPath, "Also write the listing as JSON");
    CLI::App* model = app.add_subcommand("model", "Generate with a whole model: load time, time to first token, "
                                                  "per-token latency, tokens/s and memory per kernel and batch");
    std::string modelSpecFile;
    std::map<std::string, std::string> modelTexts;  // model field key -> text given
    model->add_option("--spec", modelSpecFile, "Start from a model spec JSON file; other flags override it");
    for (const SpecFieldInfo& field : modelSpecFields()) model->add_option(field.flag, modelTexts[field.key], field.help);
    model->add_option("--device", request.device, "Device index of the backend (default 0)");
    model->add_option("--csv", request.csvPath, "Write records as CSV");
    model->add_option("--json", request.jsonPath, "Write run info and records (with token ids) as JSON");
    model->add_flag("--quiet", request.quiet, "Print only the table");

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

    if (*model) {
        request.model = true;
        ModelSpec& spec = request.modelSpec;
        if (!modelSpecFile.empty()) {
            std::ifstream in(modelSpecFile);
            std::ostringstream text;
            text << in.rdbuf();
            if (!in) return Error{"--spec: cannot read '" + modelSpecFile + "'"};
            auto loaded = modelSpecFromJson(text.str());
            if (!loaded) return Error{"--spec: " + loaded.error(), loaded.errorField()};
            spec = loaded.value();
        }
        for (const SpecFieldInfo& field : modelSpecFields()) {
            if (!model->count(field.flag)) continue;
            if (Status s = setModelSpecField(spec, field.key, modelTexts[field.key]); !s)
                return Error{std::string(field.flag) + ": " + s.message, field.key};
        }
        if (!spec.preset.empty() && !spec.checkpoint.empty())
            return Error{"--preset/--checkpoint: name one model, not both", "preset"};
        if (!spec.checkpoint.empty())
            for (const char* flag : {"--group-size", "--act-order"})
                if (model->count(flag))
                    return Error{std::string(flag) + ": a checkpoint gives the quantization; drop " + flag, "checkpoint"};
        if (Status s = validateModelSpec(spec); !s) return Error{"model: " + s.message, s.field};
        exitCode = 0;
        return request;
    }
    if (*recover || *inspect) {
        exitCode = 0;
        return request;
    }
    if (request.resume && request.journalPath.empty())
        return Error{"--resume: needs --journal FILE, the journal of the run to continue"};

    SweepSpec& spec = request.spec;
    auto given = [&](const SpecFieldInfo& field) { return app.count(field.flag) > 0; };
    if (!sweepFile.empty()) {
        auto loaded = readSweepSpecFile(sweepFile);
        if (!loaded) return Error{"--sweep: " + loaded.error(), loaded.errorField()};
        spec = loaded.value();
    } else if (!app.count("--preset") && !app.count("--checkpoint") && !app.count("--m") && !app.count("--n") &&
               !app.count("--k")) {
        spec.preset = "original";  // the default run is the original comparison
        spec.actOrder = YesNoBoth::Both;
    }

    // Flags override the file, in the table's order; an empty value is an error, not a default.
    for (const SpecFieldInfo& field : specFields()) {
        if (!given(field)) continue;
        const std::string text = isSwitch(field) ? (switches[field.key] ? "yes" : "no") : texts[field.key];
        if (Status s = setSpecField(spec, field.key, text); !s)
            return Error{std::string(field.flag) + ": " + s.message, field.key};
    }
    // Shapes come from a preset or from n x k, never both.
    if (!spec.preset.empty() && (app.count("--n") || app.count("--k")))
        return Error{"--n/--k: a preset gives the shapes; drop --preset " + spec.preset + " or the --n/--k flags",
                     "preset"};
    // A checkpoint gives the shapes and the quantization; flags that would set them are refused.
    if (!spec.checkpoint.empty()) {
        for (const char* flag : {"--preset", "--n", "--k", "--group-size", "--act-order", "--symmetric", "--zero-format"})
            if (app.count(flag))
                return Error{std::string(flag) + ": a checkpoint gives the shapes and the quantization; drop " + flag +
                                 " or --checkpoint",
                             "checkpoint"};
    } else {
        for (const char* flag : {"--layers", "--unique-shapes"})
            if (app.count(flag)) return Error{std::string(flag) + ": needs --checkpoint DIR", "checkpoint"};
    }
    exitCode = 0;
    return request;
}

}  // namespace q4
