// Result files are opened by the workbench and compared by scripts: any bytes must read or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/json_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto result = q4::resultFromJson(text);
    // An accepted file is written again on export: that path sees the same odd values.
    if (result) (void)q4::resultToJson(*result);
    return 0;
}
