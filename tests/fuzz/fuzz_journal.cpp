// Journals are read after a crash, so truncated and garbled input is their normal case.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.h"
#include "io/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto journal = q4::recoverJournal(q4fuzz::writeScratch(data, size));
    if (journal) (void)q4::resultToJson(journal->result);
    return 0;
}
