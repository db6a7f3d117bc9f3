#include "checkpoint/safetensors.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "checkpoint/mapped_file.h"
#include "io/json_io.h"

namespace q4 {
namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kMaxInt64 = std::uint64_t(std::numeric_limits<std::int64_t>::max());

std::string str(std::uint64_t value) { return std::to_string(value); }

std::uint64_t readLittleEndian64(const std::uint8_t* bytes) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | bytes[i];
    return value;
}

// Where the first byte that breaks UTF-8 lies, or npos. Overlong forms, surrogates and code
// points above U+10FFFF count as broken, as the standard says.
std::size_t firstInvalidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t codePoint = 0, lowest = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2, codePoint = lead & 0x1Fu, lowest = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, codePoint = lead & 0x0Fu, lowest = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4, codePoint = lead & 0x07u, lowest = 0x10000;
        } else {
            return i;
        }
        if (text.size() - i < length) return i;
        for (std::size_t j = 1; j < length; ++j) {
            const auto next = static_cast<unsigned char>(text[i + j]);
            if ((next & 0xC0) != 0x80) return i;
            codePoint = codePoint << 6 | (next & 0x3Fu);
        }
        if (codePoint < lowest || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) return i;
        i += length;
    }
    return std::string_view::npos;
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string offsetsText(std::uint64_t begin, std::uint64_t end) { return "[" + str(begin) + ", " + str(end) + "]"; }

std::optional<TensorDtype> dtypeNamed(const std::string& name) {
    for (TensorDtype dtype : {TensorDtype::I32, TensorDtype::F16, TensorDtype::BF16, TensorDtype::F32})
        if (name == dtypeName(dtype)) return dtype;
    return std::nullopt;
}

// A JSON integer >= 0 that fits an int64, the only kind of number shapes and offsets may hold.
std::optional<std::uint64_t> sizeValue(const Json& value) {
    if (!value.is_number_unsigned()) return std::nullopt;  // the parser keeps non-negative integers unsigned
    const auto number = value.get<std::uint64_t>();
    if (number > kMaxInt64) return std::nullopt;
    return number;
}

// Element count of a shape, or nothing when it does not fit an int64. Any zero dimension makes it 0,
// however large the others.
std::optional<std::int64_t> elementCount(const std::vector<std::int64_t>& shape) {
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
    std::int64_t count = 1;
    for (std::int64_t dim : shape) {
        if (count > std::numeric_limits<std::int64_t>::max() / dim) return std::nullopt;
        count *= dim;
    }
    return count;
}

// One tensor's entry; dataBytes is the size of the data section its offsets must stay in.
Expected<TensorEntry> parseEntry(const std::string& name, const Json& value, std::uint64_t dataBytes,
                                 const std::string& where) {
    auto fail = [&](const std::string& rule) { return Error{where + rule}; };
    if (!value.is_object()) return fail("entry must be an object with dtype, shape and data_offsets");
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!value.contains(key)) return fail("missing '" + std::string(key) + "'");

    TensorEntry entry;
    entry.name = name;
    const Json& dtype = value["dtype"];
    if (!dtype.is_string()) return fail("dtype must be a string");
    const auto known = dtypeNamed(dtype.get<std::string>());
    if (!known)
        return fail("dtype '" + dtype.get<std::string>() +
                    "' is not supported (GPTQ checkpoints use I32, F16, BF16, F32)");
    entry.dtype = *known;

    const Json& shape = value["shape"];
    if (!shape.is_array()) return fail("shape must be an array of non-negative integers");
    for (const Json& dim : shape) {
        const auto size = sizeValue(dim);
        if (!size) return fail("shape must hold non-negative integers below 2^63, found " + dim.dump());
        entry.shape.push_back(std::int64_t(*size));
    }
    const auto elements = elementCount(entry.shape);
    if (!elements) return fail("shape " + shapeText(entry.shape) + " has more elements than fit in 64 bits");

    const Json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !sizeValue(offsets[0]) || !sizeValue(offsets[1]))
        return fail("data_offsets must be [begin, end], two non-negative integers");
    entry.begin = *sizeValue(offsets[0]);
    entry.end = *sizeValue(offsets[1]);
    const std::string range = "data_offsets " + offsetsText(entry.begin, entry.end);
    if (entry.begin > entry.end) return fail(range + " end before they begin");
    if (entry.end > dataBytes) return fail(range + " run past the end of the data (" + str(dataBytes) + " bytes)");

    const std::uint64_t held = entry.end - entry.begin, width = dtypeBytes(entry.dtype);
    const auto count = std::uint64_t(*elements);
    const std::string needs = std::string(dtypeName(entry.dtype)) + " " + shapeText(entry.shape) + " needs ";
    if (count > std::numeric_limits<std::uint64_t>::max() / width)
        return fail(range + " hold " + str(held) + " bytes, but " + needs + "more than 2^64");
    if (count * width != held) return fail(range + " hold " + str(held) + " bytes, but " + needs + str(count * width));
    return entry;
}

Expected<std::map<std::string, std::string>> parseMetadata(const Json& value, const std::string& fileName) {
    if (!value.is_object()) return Error{fileName + ": __metadata__ must be an object of strings"};
    std::map<std::string, std::string> metadata;
    for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) return Error{fileName + ": __metadata__ '" + key + "' must be a string"};
        metadata[key] = text.get<std::string>();
    }
    return metadata;
}

// Tensors sorted by begin may not share a byte. Empty tensors hold no bytes, so they overlap nothing.
Status checkNoOverlap(const std::vector<TensorEntry>& tensors, const std::string& fileName) {
    const TensorEntry* reach = nullptr;  // the tensor ending furthest so far
    for (const TensorEntry& tensor : tensors) {
        if (tensor.begin == tensor.end) continue;
        if (reach && tensor.begin < reach->end)
            return Status::failure(fileName + ": tensors '" + reach->name + "' " +
                                   offsetsText(reach->begin, reach->end) + " and '" + tensor.name + "' " +
                                   offsetsText(tensor.begin, tensor.end) + " overlap");
        if (!reach || tensor.end > reach->end) reach = &tensor;
    }
    return Status::success();
}

}  // namespace

std::size_t dtypeBytes(TensorDtype dtype) {
    switch (dtype) {
        case TensorDtype::I32:
        case TensorDtype::F32: return 4;
        case TensorDtype::F16:
        case TensorDtype::BF16: return 2;
    }
    return 0;
}

const char* dtypeName(TensorDtype dtype) {
    switch (dtype) {
        case TensorDtype::I32: return "I32";
        case TensorDtype::F16: return "F16";
        case TensorDtype::BF16: return "BF16";
        case TensorDtype::F32: return "F32";
    }
    return "?";
}

std::int64_t TensorEntry::elements() const { return elementCount(shape).value_or(-1); }

Expected<SafetensorsHeader> parseSafetensorsHeader(const std::uint8_t* bytes, std::size_t available,
                                                   std::uint64_t fileBytes, const std::string& fileName) {
    if (fileBytes < 8)
        return Error{fileName + ": " + str(fileBytes) +
                     " bytes is too short for a safetensors file, which starts with an 8-byte header length"};
    if (available < 8) return Error{fileName + ": the first 8 bytes (the header length) were not read"};
    const std::uint64_t length = readLittleEndian64(bytes);
    if (length > kMaxSafetensorsHeaderBytes)
        return Error{fileName + ": header length " + str(length) + " is above the limit of " +
                     str(kMaxSafetensorsHeaderBytes) + " bytes"};
    if (length > fileBytes - 8)
        return Error{fileName + ": header length " + str(length) + " runs past the end of the file (" + str(fileBytes) +
                     " bytes)"};
    if (available - 8 < length)
        return Error{fileName + ": only " + str(available) + " bytes were read of a " + str(8 + length) +
                     "-byte header"};

    const std::string text(reinterpret_cast<const char*>(bytes + 8), std::size_t(length));
    if (const std::size_t bad = firstInvalidUtf8(text); bad != std::string_view::npos)
        return Error{fileName + ": the header is not valid UTF-8 (byte " + str(8 + bad) + ")"};
    if (Status depth = checkJsonDepth(text, fileName + ": header"); !depth) return depth.asError();

    // nlohmann keeps the last of repeated keys; two tensors of one name must be refused instead.
    std::set<std::string> names;
    std::string repeated;
    const Json::parser_callback_t noteKeys = [&](int depth, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::key && depth == 1 && !names.insert(parsed.get<std::string>()).second &&
            repeated.empty())
            repeated = parsed.get<std::string>();
        return true;
    };
    Json root;
    try {
        root = Json::parse(text, noteKeys);
    } catch (const Json::exception& e) {
        return Error{fileName + ": the header is not valid JSON: " + e.what()};
    }
    if (!root.is_object()) return Error{fileName + ": the header is not a JSON object"};
    if (!repeated.empty()) return Error{fileName + ": tensor '" + repeated + "' is listed twice"};

    SafetensorsHeader header;
    header.dataOffset = 8 + length;
    const std::uint64_t dataBytes = fileBytes - header.dataOffset;
    for (const auto& [name, value] : root.items()) {
        if (name == "__metadata__") {
            auto metadata = parseMetadata(value, fileName);
            if (!metadata) return metadata.takeError();
            header.metadata = std::move(metadata).value();
            continue;
        }
        if (name.empty()) return Error{fileName + ": a tensor has an empty name"};
        auto entry = parseEntry(name, value, dataBytes, fileName + ": tensor '" + name + "': ");
        if (!entry) return entry.takeError();
        header.tensors.push_back(std::move(entry).value());
    }
    std::sort(header.tensors.begin(), header.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    if (Status s = checkNoOverlap(header.tensors, fileName); !s) return s.asError();
    return header;
}

Expected<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.takeError();
    auto mapping = std::make_shared<MappedFile>(std::move(mapped).value());
    auto header = parseSafetensorsHeader(mapping->data(), std::size_t(mapping->size()), mapping->size(), path);
    if (!header) return header.takeError();

    SafetensorsFile file;
    file.path_ = path;
    file.mapping_ = std::move(mapping);
    file.header_ = std::move(header).value();
    for (std::size_t i = 0; i < file.header_.tensors.size(); ++i) file.index_[file.header_.tensors[i].name] = i;
    return file;
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

const std::uint8_t* SafetensorsFile::data(const TensorEntry& tensor) const {
    return mapping_->data() + header_.dataOffset + tensor.begin;
}

}  // namespace q4
