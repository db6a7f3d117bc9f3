// One record line, as the journal holds it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/json_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto record = q4::recordFromJson(text);
    if (record) (void)q4::recordToJson(*record);
    return 0;
}
