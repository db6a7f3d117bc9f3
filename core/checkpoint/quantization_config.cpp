// quantize_config.json, or config.json's quantization_config: the settings that say how to read
// the packed tensors.
#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "model/config_reader.h"
#include "sweep/sweep_expand.h"

namespace q4 {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return text;
}

// Layouts that repack GPTQ's tensors for one kernel; they hold the same numbers in another order.
bool isKernelLayout(const std::string& format) {
    for (const char* layout : {"marlin", "gptq_marlin", "awq", "awq_gemm", "awq_gemv", "awq_marlin", "bitblas", "ipex",
                               "exllama", "exllamav2", "qqq"})
        if (format == layout) return true;
    return false;
}

}  // namespace

Expected<CheckpointQuantization> quantizationFromJson(const std::string& json, const std::string& context) {
    auto object = parseJsonObject(json, context);
    if (!object) return object.takeError();

    CheckpointQuantization quant;
    ConfigReader reader(*object, context);
    std::string method = "gptq";
    reader.text("quant_method", method);
    if (!reader.ok()) return reader.status().asError();
    if (lower(method) != "gptq")
        return Error{context + ": quant_method '" + method + "' is not gptq: Q4Bench reads GPTQ checkpoints only"};

    reader.require("bits");
    reader.integer("bits", quant.bits);
    reader.integer("group_size", quant.groupSize);
    reader.boolean("desc_act", quant.descAct);
    reader.boolean("sym", quant.symmetric);
    bool marlin = false;
    reader.boolean("is_marlin_format", marlin);  // older AutoGPTQ's flag for its Marlin repacking
    // GPTQModel writes checkpoint_format; AutoGPTQ and older GPTQModel wrote format.
    const char* formatKey = reader.find("checkpoint_format") ? "checkpoint_format" : "format";
    std::string format = marlin ? "marlin" : "gptq";
    reader.text(formatKey, format);
    if (!reader.ok()) return reader.status().asError();

    if (quant.bits != 4)
        return Error{context + ": bits=" + std::to_string(quant.bits) + ": only 4-bit checkpoints are supported"};
    if (Status s = validateGroupSize(quant.groupSize); !s) return Error{context + ": group_size: " + s.message};
    const std::string name = lower(format);
    if (name == "gptq") {
        quant.zeroFormat = ZeroFormat::V1;
    } else if (name == "gptq_v2") {
        quant.zeroFormat = ZeroFormat::V2;
    } else if (isKernelLayout(name)) {
        return Error{context + ": " + formatKey + " '" + format +
                     "' is a kernel layout Q4Bench does not read; convert to gptq"};
    } else {
        return Error{context + ": " + formatKey + " '" + format + "' is not a format Q4Bench reads (gptq or gptq_v2)"};
    }
    return quant;
}

}  // namespace q4
