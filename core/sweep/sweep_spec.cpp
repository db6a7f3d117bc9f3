#include "sweep/sweep_spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>
#include <unordered_set>

#include "common/text.h"

namespace q4 {

namespace {

// A range may expand to at most this many values: a typo like 1:1000000:+1 should fail fast,
// not build a sweep that runs for days.
constexpr std::int64_t kMaxRangeValues = 100000;

constexpr const char* kListHelp = "(use 1,2,4 or 1:4096:x2 or 256:4096:+256)";

// The whole text must be an integer (from_chars stops at the first bad character).
bool parseInteger(std::string_view text, std::int64_t& out) {
    text = trim(text);
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

Error notListItem(const std::string& field, std::string_view item) {
    return Error{field + ": '" + std::string(item) + "' is not an integer or range " + kListHelp, field};
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
    if (trim(text).empty()) return Error{field + ": empty list " + kListHelp, field};

    std::vector<std::int64_t> values;
    for (const std::string_view rawItem : split(text, ',')) {
        const std::string_view item = trim(rawItem);
        if (item.empty()) return Error{field + ": empty item in '" + text + "' " + kListHelp, field};
        if (item.find(':') != std::string_view::npos) {
            if (Status s = expandRange(item, field, values); !s) return Error{s.message, field};
            continue;
        }
        std::int64_t value = 0;
        if (!parseInteger(item, value)) return notListItem(field, item);
        if (value < 1) return Error{field + ": '" + std::string(item) + "' must be >= 1", field};
        values.push_back(value);
    }

    // Keep the order given; a value named twice is measured once.
    std::vector<std::int64_t> unique;
    std::unordered_set<std::int64_t> seen;
    for (std::int64_t v : values)
        if (seen.insert(v).second) unique.push_back(v);
    return unique;
}

namespace {
constexpr NamedValue<YesNoBoth> kYesNoBothNames[] = {
    {YesNoBoth::No, "no"},     {YesNoBoth::Yes, "yes"},  {YesNoBoth::Both, "both"},
    {YesNoBoth::No, "off"},    {YesNoBoth::Yes, "on"},   {YesNoBoth::No, "false"},
    {YesNoBoth::Yes, "true"},
};
constexpr NamedValue<L2Mode> kL2ModeNames[] = {
    {L2Mode::Cold, "cold"}, {L2Mode::Hot, "hot"}, {L2Mode::Stream, "stream"}};
}  // namespace

NameTable<YesNoBoth> namesOf(YesNoBoth) { return kYesNoBothNames; }
NameTable<L2Mode> namesOf(L2Mode) { return kL2ModeNames; }

std::vector<bool> valuesOf(YesNoBoth choice) {
    switch (choice) {
        case YesNoBoth::No: return {false};
        case YesNoBoth::Yes: return {true};
        case YesNoBoth::Both: return {false, true};
    }
    return {false};
}

YesNoBoth choiceOf(const std::vector<bool>& values) {
    const bool hasTrue = std::find(values.begin(), values.end(), true) != values.end();
    const bool hasFalse = std::find(values.begin(), values.end(), false) != values.end();
    return hasTrue && hasFalse ? YesNoBoth::Both : hasTrue ? YesNoBoth::Yes : YesNoBoth::No;
}

bool sameLayer(const SweepPoint& a, const SweepPoint& b) {
    return a.n == b.n && a.k == b.k && a.layer == b.layer && a.quant.groupSize == b.quant.groupSize &&
           a.quant.symmetric == b.quant.symmetric && a.quant.actOrder == b.quant.actOrder &&
           a.quant.zeroFormat == b.quant.zeroFormat && a.sparsity == b.sparsity;
}

}  // namespace q4
