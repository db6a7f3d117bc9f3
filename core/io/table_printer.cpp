#include "io/table_printer.h"

#include <cstdio>
#include <string>

namespace q4 {
namespace {

const char* const kRowFormat = "%6s %7s %7s  %-20s %-9s %12s %11s %10s %9s  %s\n";

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.*f", decimals, value);
    for (char& c : text)
        if (c == ',') c = '.';  // a locale with decimal commas must not leak into the table
    return text;
}

std::string scientific(double value) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.2e", value);
    for (char& c : text)
        if (c == ',') c = '.';
    return text;
}

}  // namespace

void printTableHeader(std::ostream& out) {
    char line[256];
    std::snprintf(line, sizeof(line), kRowFormat, "m", "n", "k", "implementation", "act_order", "time ms/op",
                  "max mem MB", "rel error", "speedup", "status");
    out << line;
}

void printTableRow(std::ostream& out, const Record& r) {
    const bool timed = r.status == RecordStatus::Ok;
    std::string status = toString(r.status);
    if (r.timedOut) status += " (timed out)";
    if (!r.message.empty() && !timed) status += ": " + r.message;
    char line[1024];
    std::snprintf(line, sizeof(line), kRowFormat, std::to_string(r.m).c_str(), std::to_string(r.n).c_str(),
                  std::to_string(r.k).c_str(), r.kernel.c_str(), r.actOrder ? "yes" : "no",
                  timed ? fixed(r.timeMsMedian(), 4).c_str() : "-",
                  r.memPeakBytes > 0 ? fixed(double(r.memPeakBytes) / 1e6, 1).c_str() : "-",
                  r.relError ? scientific(*r.relError).c_str() : "-",
                  r.speedupVsBaseline ? (fixed(*r.speedupVsBaseline, 2) + "x").c_str() : "-", status.c_str());
    out << line;
}

}  // namespace q4
