// CSV files may have been edited in a spreadsheet before they come back.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "fuzz_input_file.h"
#include "io/csv_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto records = q4::readCsvFile(q4fuzz::writeScratch(data, size));
    if (records) {
        std::ostringstream out;
        for (const q4::Record& record : *records) q4::writeCsvRow(out, record);
    }
    return 0;
}
