// config.json and quantize_config.json come with downloaded checkpoints: any text must give
// settings or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "checkpoint/checkpoint.h"
#include "model/architecture.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (auto arch = q4::architectureFromJson(text, "config.json")) {
        // Run info keeps the architecture as JSON; what was accepted must read back the same.
        const std::string json = q4::architectureToJson(*arch);
        auto again = q4::architectureFromJson(json, "again");
        if (!again || q4::architectureToJson(*again) != json) std::abort();
    }
    (void)q4::quantizationFromJson(text, "quantize_config.json");
    return 0;
}
