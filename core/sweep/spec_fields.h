#pragma once
// The one reader of sweep settings as text. The CLI's flags, the sweep JSON file and the GUI's
// fields all set a SweepSpec through setSpecField, so a value means the same everywhere and an
// error names the same field (its key, as the JSON file spells it) whichever front end gave it.
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "sweep/sweep_spec.h"

namespace q4 {

struct SpecFieldInfo {
    const char* key;    // the sweep file's key: "m", "group_sizes", "timing.warmup"
    const char* flag;   // the CLI flag: "--m", "--group-size", "--warmup"
    const char* label;  // the GUI's label
    const char* help;   // one line: what it holds and its default
};

// Every settable field, in the order front ends show them.
const std::vector<SpecFieldInfo>& specFields();
const SpecFieldInfo* findSpecField(std::string_view key);

// Sets one field from text ("1:4096:x2", "both", "32,64,-1", "cold"). On bad text the error names
// the field and the rule and carries the key; the spec is unchanged.
Status setSpecField(SweepSpec& spec, std::string_view key, std::string_view text);
// The field's value as text setSpecField reads back (lists as lists: ranges are expanded).
std::string specFieldText(const SweepSpec& spec, std::string_view key);

}  // namespace q4
