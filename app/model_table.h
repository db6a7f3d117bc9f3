#pragma once
// The model run's console table in the origin's shape (kernel, load time, per-token latency,
// throughput, peak memory) with batch, TTFT, p10/p90, the share of the step's byte floor and
// whether decode ran from a CUDA graph added. Values come from the model record field table.
#include <ostream>

#include "model/model_record.h"

namespace q4 {

void printModelTableHeader(std::ostream& out);
void printModelTableRow(std::ostream& out, const ModelRecord& record);
// The per-component time of one profiled step, one line per record.
void printComponentLine(std::ostream& out, const ModelRecord& record);

}  // namespace q4
