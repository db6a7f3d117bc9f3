#include "results/record.h"

#include <array>
#include <utility>

namespace q4 {

namespace {

// One table, so the two directions cannot disagree.
constexpr std::array<std::pair<RecordStatus, const char*>, 5> kStatusNames{{
    {RecordStatus::Ok, "ok"},
    {RecordStatus::Incorrect, "incorrect"},
    {RecordStatus::Unsupported, "unsupported"},
    {RecordStatus::Error, "error"},
    {RecordStatus::Cancelled, "cancelled"},
}};

}  // namespace

const char* toString(RecordStatus status) {
    for (const auto& [value, name] : kStatusNames)
        if (value == status) return name;
    return "error";
}

bool parseRecordStatus(const std::string& text, RecordStatus& out) {
    for (const auto& [value, name] : kStatusNames) {
        if (text == name) {
            out = value;
            return true;
        }
    }
    return false;
}

}  // namespace q4
