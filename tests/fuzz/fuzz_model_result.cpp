// Model result files are reloaded by the workbench's Model view: any bytes must read or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/model_io.h"
#include "model/model_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto result = q4::modelResultFromJson(text);
    // An accepted file is written again on export: that path sees the same odd values.
    if (result) (void)q4::modelResultToJson(*result);
    // Model spec files go through the same kind of reader.
    (void)q4::modelSpecFromJson(text);
    return 0;
}
