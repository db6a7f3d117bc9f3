#pragma once
// The console table in the original comparison's shape (m, n, k, implementation, act_order,
// time ms/op, max mem MB), with error-vs-reference, speedup, samples, noise, layer and status
// columns added. Values come from the record field table.
#include <ostream>

#include "results/record.h"
#include "run/run_callbacks.h"

namespace q4 {

void printTableHeader(std::ostream& out);
void printTableRow(std::ostream& out, const Record& record);

// The table as an observer of a run: the header when it starts, a row per record.
RunCallbacks consoleTableObserver(std::ostream& out);

}  // namespace q4
