#pragma once
// A whole run: what it was measured on and every record it made, in order.
#include <vector>

#include "results/record.h"
#include "results/run_info.h"

namespace q4 {

struct RunResult {
    RunInfo info;
    std::vector<Record> records;
};

}  // namespace q4
