#pragma once
// The readers of setting values as text, shared by the sweep's and the model view's field
// tables: each checks the whole text against one rule and names the key in its error.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/enum_names.h"
#include "common/expected.h"
#include "common/text.h"

namespace q4 {

Error fieldError(std::string_view key, const std::string& rule);
std::string quoted(std::string_view text);
std::string numberText(double value);

// A whole-text integer within [low, high].
template <class T>
Status readInteger(std::string_view key, std::string_view text, T low, T high, T& out) {
    text = trim(text);
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
        return fieldError(key, quoted(text) + " must be an integer from " + std::to_string(low) + " to " +
                                   std::to_string(high));
    out = value;
    return Status::success();
}

template <class E>
Status readEnum(std::string_view key, std::string_view text, E& out) {
    const auto value = valueOf<E>(text);
    if (!value) return fieldError(key, quoted(text) + " must be one of " + canonicalNames<E>());
    out = *value;
    return Status::success();
}

// A finite number within (low, high] or [low, high]; inf and nan are refused so that a typo
// cannot make a run go on forever.
Status readNumber(std::string_view key, std::string_view text, double low, bool lowIncluded, double high,
                  double& out);
// A comma-separated list of names of E, each once, at least one ("none,2:4").
template <class E>
Status readEnumList(std::string_view key, std::string_view text, std::vector<E>& out) {
    std::vector<E> values;
    for (std::string_view item : split(text, ',')) {
        E value{};
        if (Status s = readEnum(key, trim(item), value); !s) return s;
        for (E seen : values)
            if (seen == value) return fieldError(key, quoted(trim(item)) + " is listed twice");
        values.push_back(value);
    }
    out = std::move(values);
    return Status::success();
}

Status readAxis(std::string_view key, std::string_view text, std::vector<std::int64_t>& out);  // "1,2,4" or ranges
Status readGroupSizes(std::string_view key, std::string_view text, std::vector<int>& out);
Status readKernels(std::string_view key, std::string_view text, std::vector<std::string>& out);
Status readPreset(std::string_view key, std::string_view text, std::string& out);  // empty or a builtin preset
Status readBackend(std::string_view key, std::string_view text, std::string& out);
Status readYesNo(std::string_view key, std::string_view text, bool& out);
Status readLayerPattern(std::string_view key, std::string_view text, std::string& out);

}  // namespace q4
