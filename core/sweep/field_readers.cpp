#include "sweep/field_readers.h"

#include <cmath>

#include "backend/backend_registry.h"
#include "checkpoint/layer_selection.h"
#include "sweep/presets.h"
#include "sweep/sweep_expand.h"

namespace q4 {

Error fieldError(std::string_view key, const std::string& rule) {
    return Error{std::string(key) + ": " + rule, std::string(key)};
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string numberText(double value) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    return std::string(buffer, end);
}

Status readNumber(std::string_view key, std::string_view text, double low, bool lowIncluded, double high,
                  double& out) {
    text = trim(text);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool parsed = !text.empty() && ec == std::errc() && end == text.data() + text.size();
    const bool inRange = parsed && std::isfinite(value) && (lowIncluded ? value >= low : value > low) && value <= high;
    if (!inRange)
        return fieldError(key, quoted(text) + " must be a number " + (lowIncluded ? ">= " : "> ") + numberText(low) +
                                   " and <= " + numberText(high));
    out = value;
    return Status::success();
}

Status readAxis(std::string_view key, std::string_view text, std::vector<std::int64_t>& out) {
    auto values = parseIntList(std::string(text), std::string(key));
    if (!values) return values.takeError();
    out = std::move(values).value();
    return Status::success();
}

Status readGroupSizes(std::string_view key, std::string_view text, std::vector<int>& out) {
    if (trim(text).empty()) return fieldError(key, "empty list (use 128 or 32,64,128,-1)");
    std::vector<int> sizes;
    for (std::string_view item : split(text, ',')) {
        int value = 0;
        if (Status s = readInteger<int>(key, item, -1, 1 << 30, value); !s) return s;
        if (Status s = validateGroupSize(value); !s) return fieldError(key, s.message);
        sizes.push_back(value);
    }
    out = std::move(sizes);
    return Status::success();
}

Status readKernels(std::string_view key, std::string_view text, std::vector<std::string>& out) {
    std::vector<std::string> kernels;
    for (std::string_view item : split(text, ','))
        if (!trim(item).empty()) kernels.emplace_back(trim(item));
    if (kernels.empty()) return fieldError(key, "the kernel list is empty: name kernels or use 'all'");
    out = std::move(kernels);
    return Status::success();
}

Status readPreset(std::string_view key, std::string_view text, std::string& out) {
    text = trim(text);
    if (!text.empty()) {
        if (auto preset = findPreset(std::string(text)); !preset) return fieldError(key, preset.error());
    }
    out = std::string(text);
    return Status::success();
}

Status readBackend(std::string_view key, std::string_view text, std::string& out) {
    text = trim(text);
    if (text != "auto" && !BackendRegistry::instance().find(std::string(text)))
        return fieldError(key, quoted(text) + " is not a backend of this build: use " +
                                   BackendRegistry::instance().namesForMessage());
    out = std::string(text);
    return Status::success();
}

Status readYesNo(std::string_view key, std::string_view text, bool& out) {
    YesNoBoth choice{};
    if (Status s = readEnum(key, text, choice); !s) return s;
    if (choice == YesNoBoth::Both) return fieldError(key, "must be yes or no");
    out = choice == YesNoBoth::Yes;
    return Status::success();
}

// Compiled here so that a bad pattern is refused where it is typed, not when the sweep starts.
Status readLayerPattern(std::string_view key, std::string_view text, std::string& out) {
    text = trim(text);
    if (auto pattern = compileLayerPattern(std::string(text)); !pattern) return fieldError(key, pattern.error());
    out = std::string(text);
    return Status::success();
}

}  // namespace q4
