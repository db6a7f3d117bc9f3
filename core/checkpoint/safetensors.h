#pragma once
// A reader of safetensors files that trusts nothing in them. Layout: an 8-byte little-endian
// header length N, N bytes of UTF-8 JSON {"name": {"dtype", "shape", "data_offsets": [b, e]},
// "__metadata__": {str: str}}, then the data; offsets are relative to the end of the header.
// Every rule broken is an error naming the file, the tensor and the rule. Files are memory-mapped:
// opening reads the header only, and tensor bytes are views into the mapping.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.h"

namespace q4 {

// The dtypes GPTQ checkpoints use; any other is refused, named.
enum class TensorDtype { I32, F16, BF16, F32 };
std::size_t dtypeBytes(TensorDtype dtype);
const char* dtypeName(TensorDtype dtype);  // "I32", "F16", "BF16", "F32"

// The reference implementation refuses headers above 100 MB; so do we.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorEntry {
    std::string name;
    TensorDtype dtype = TensorDtype::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;  // data_offsets, relative to the data section
    std::int64_t elements() const;
};

struct SafetensorsHeader {
    std::uint64_t dataOffset = 0;  // 8 + header length: where the data section starts
    std::vector<TensorEntry> tensors;  // sorted by begin
    std::map<std::string, std::string> metadata;
};

// Parses and checks the header of a file of fileBytes bytes whose first bytes are `bytes`
// (at least the 8-byte length plus the header when the file is that long). Checks: length within
// the limit and the file; UTF-8 JSON object; known dtypes; non-negative shapes; offsets in the data
// section, ordered, not overlapping, and end - begin == elements x dtype size. fileName is for messages.
Expected<SafetensorsHeader> parseSafetensorsHeader(const std::uint8_t* bytes, std::size_t available,
                                                   std::uint64_t fileBytes, const std::string& fileName);

class MappedFile;

class SafetensorsFile {
public:
    static Expected<SafetensorsFile> open(const std::string& path);

    const std::string& path() const { return path_; }
    const SafetensorsHeader& header() const { return header_; }
    const TensorEntry* find(const std::string& name) const;  // null when absent
    // The tensor's bytes inside the mapping (end - begin of them); valid while this file lives.
    const std::uint8_t* data(const TensorEntry& tensor) const;

private:
    std::string path_;
    std::shared_ptr<MappedFile> mapping_;
    SafetensorsHeader header_;
    std::map<std::string, std::size_t> index_;  // tensor name -> index into header_.tensors
};

}  // namespace q4
