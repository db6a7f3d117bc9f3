#include "sweep/sweep_spec.h"

#include <cctype>
#include <charconv>
#include <string_view>
#include <unordered_set>

namespace q4 {

namespace {

// A range may expand to at most this many values: a typo like 1:1000000:+1 should fail fast,
// not build a sweep that runs for days.
constexpr std::int64_t kMaxRangeValues = 100000;

constexpr const char* kListHelp = "(use 1,2,4 or 1:4096:x2 or 256:4096:+256)";

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::string lower(std::string_view text) {
    std::string out(trim(text));
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The whole text must be an integer (from_chars stops at the first bad character).
bool parseInteger(std::string_view text, std::int64_t& out) {
    text = trim(text);
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = text.find(separator, start);
        if (at == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, at - start));
        start = at + 1;
    }
}

Error notListItem(const std::string& field, std::string_view item) {
    return Error{field + ": '" + std::string(item) + "' is not an integer or range " + kListHelp};
}

// Expands "a:b:xF" or "a:b:+S" onto values.
Status expandRange(std::string_view item, const std::string& field, std::vector<std::int64_t>& values) {
    const std::string quoted = "'" + std::string(item) + "'";
    const auto parts = split(item, ':');
    if (parts.size() != 3) return Status::failure(notListItem(field, item).message);

    std::int64_t start = 0, end = 0, step = 0;
    const std::string_view stepText = trim(parts[2]);
    const bool geometric = !stepText.empty() && (stepText.front() == 'x' || stepText.front() == 'X');
    const bool arithmetic = !stepText.empty() && stepText.front() == '+';
    if (!parseInteger(parts[0], start) || !parseInteger(parts[1], end) || !(geometric || arithmetic) ||
        !parseInteger(stepText.substr(1), step))
        return Status::failure(notListItem(field, item).message);

    if (start < 1)
        return Status::failure(field + ": range " + quoted + " has start " + std::to_string(start) + ", must be >= 1");
    if (start > end)
        return Status::failure(field + ": range " + quoted + " has start " + std::to_string(start) +
                               " greater than end " + std::to_string(end));
    if (geometric && step < 2) return Status::failure(field + ": range factor must be >= 2 in " + quoted);
    if (arithmetic && step < 1) return Status::failure(field + ": range step must be >= 1 in " + quoted);

    std::int64_t count = 0;
    for (std::int64_t v = start;;) {
        if (++count > kMaxRangeValues)
            return Status::failure(field + ": range " + quoted + " has more than " + std::to_string(kMaxRangeValues) +
                                   " values");
        values.push_back(v);
        // Compare before stepping so values near the int64 limit cannot overflow.
        if (geometric) {
            if (v > end / step) break;
            v *= step;
        } else {
            if (v > end - step) break;
            v += step;
        }
    }
    return Status::success();
}

}  // namespace

Expected<std::vector<std::int64_t>> parseIntList(const std::string& text, const std::string& field) {
    if (trim(text).empty()) return Error{field + ": empty list " + kListHelp};

    std::vector<std::int64_t> values;
    for (const std::string_view rawItem : split(text, ',')) {
        const std::string_view item = trim(rawItem);
        if (item.empty()) return Error{field + ": empty item in '" + text + "' " + kListHelp};
        if (item.find(':') != std::string_view::npos) {
            if (Status s = expandRange(item, field, values); !s) return Error{s.message};
            continue;
        }
        std::int64_t value = 0;
        if (!parseInteger(item, value)) return notListItem(field, item);
        if (value < 1) return Error{field + ": '" + std::string(item) + "' must be >= 1"};
        values.push_back(value);
    }

    // Keep the order given; a value named twice is measured once.
    std::vector<std::int64_t> unique;
    std::unordered_set<std::int64_t> seen;
    for (std::int64_t v : values)
        if (seen.insert(v).second) unique.push_back(v);
    return unique;
}

Expected<ActOrderMode> parseActOrder(const std::string& text) {
    const std::string t = lower(text);
    if (t == "no" || t == "off" || t == "false") return ActOrderMode::No;
    if (t == "yes" || t == "on" || t == "true") return ActOrderMode::Yes;
    if (t == "both") return ActOrderMode::Both;
    return Error{"act-order: '" + text + "' must be one of no, yes, both"};
}

std::string toString(ActOrderMode mode) {
    switch (mode) {
        case ActOrderMode::No: return "no";
        case ActOrderMode::Yes: return "yes";
        case ActOrderMode::Both: return "both";
    }
    return "no";
}

std::string toString(ZeroFormat format) { return format == ZeroFormat::V2 ? "v2" : "v1"; }

Expected<ZeroFormat> parseZeroFormat(const std::string& text) {
    // Checkpoints name the formats "gptq" (v1) and "gptq_v2"; accept those spellings too.
    const std::string t = lower(text);
    if (t == "v1" || t == "gptq") return ZeroFormat::V1;
    if (t == "v2" || t == "gptq_v2") return ZeroFormat::V2;
    return Error{"zero-format: '" + text + "' must be one of v1, v2 (or gptq, gptq_v2)"};
}

}  // namespace q4
