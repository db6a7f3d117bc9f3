// Sweep files come from users: any bytes must give a spec or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/json_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto spec = q4::sweepSpecFromJson(text);
    // Whatever was accepted must also write back out (the workbench saves it again).
    if (spec) (void)q4::sweepSpecToJson(*spec);
    return 0;
}
