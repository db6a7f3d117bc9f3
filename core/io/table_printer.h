#pragma once
// The console table in the original comparison's shape (m, n, k, implementation, act_order,
// time ms/op, max mem MB), with error-vs-reference, speedup and status columns added.
#include <ostream>

#include "results/record.h"

namespace q4 {

void printTableHeader(std::ostream& out);
void printTableRow(std::ostream& out, const Record& record);

}  // namespace q4
