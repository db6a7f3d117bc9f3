// The safetensors header parser on hand-built bytes, one test per rule, and the memory-mapped file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint/mapped_file.h"
#include "checkpoint/safetensors.h"

namespace q4 {
namespace {

// An 8-byte little-endian length, the header text, then dataBytes bytes counting up.
std::vector<std::uint8_t> fileWith(const std::string& header, std::size_t dataBytes = 0,
                                   std::uint64_t length = UINT64_MAX) {
    if (length == UINT64_MAX) length = header.size();
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < 8; ++i) bytes.push_back(std::uint8_t(length >> (8 * i)));
    bytes.insert(bytes.end(), header.begin(), header.end());
    for (std::size_t i = 0; i < dataBytes; ++i) bytes.push_back(std::uint8_t(i));
    return bytes;
}

Expected<SafetensorsHeader> parse(const std::vector<std::uint8_t>& bytes) {
    return parseSafetensorsHeader(bytes.data(), bytes.size(), bytes.size(), "model.safetensors");
}

// The parse fails with a message that starts with the file name and contains `part`.
void expectError(const std::vector<std::uint8_t>& bytes, const std::string& part) {
    auto header = parse(bytes);
    ASSERT_FALSE(header.ok()) << "accepted; expected an error containing: " << part;
    EXPECT_EQ(header.error().rfind("model.safetensors: ", 0), 0u) << header.error();
    EXPECT_NE(header.error().find(part), std::string::npos) << header.error();
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape, int begin, int end) {
    return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" +
           std::to_string(begin) + ", " + std::to_string(end) + "]}";
}

TEST(SafetensorsHeader, ReadsEntriesMetadataAndSortsByOffset) {
    const std::string header = "{" + entry("b.scales", "F16", "[2, 8]", 128, 160) + ", " +
                               entry("a.qweight", "I32", "[4, 8]", 0, 128) + ", " +
                               entry("c.weight", "BF16", "[4]", 160, 168) + ", " + entry("d", "F32", "[2]", 168, 176) +
                               ", \"__metadata__\": {\"format\": \"pt\"}}   ";  // padded, as writers do
    auto parsed = parse(fileWith(header, 176));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed->dataOffset, 8 + header.size());
    ASSERT_EQ(parsed->tensors.size(), 4u);
    EXPECT_EQ(parsed->tensors[0].name, "a.qweight");
    EXPECT_EQ(parsed->tensors[0].dtype, TensorDtype::I32);
    EXPECT_EQ(parsed->tensors[0].shape, (std::vector<std::int64_t>{4, 8}));
    EXPECT_EQ(parsed->tensors[0].elements(), 32);
    EXPECT_EQ(parsed->tensors[1].name, "b.scales");
    EXPECT_EQ(parsed->tensors[1].begin, 128u);
    EXPECT_EQ(parsed->tensors[1].end, 160u);
    EXPECT_EQ(parsed->tensors[2].dtype, TensorDtype::BF16);
    EXPECT_EQ(parsed->tensors[3].dtype, TensorDtype::F32);
    EXPECT_EQ(parsed->metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
}

TEST(SafetensorsHeader, DtypeSizesAndNames) {
    EXPECT_EQ(dtypeBytes(TensorDtype::I32), 4u);
    EXPECT_EQ(dtypeBytes(TensorDtype::F16), 2u);
    EXPECT_EQ(dtypeBytes(TensorDtype::BF16), 2u);
    EXPECT_EQ(dtypeBytes(TensorDtype::F32), 4u);
    EXPECT_STREQ(dtypeName(TensorDtype::BF16), "BF16");
}

TEST(SafetensorsHeader, EmptyHeaderAndEmptyTensors) {
    auto none = parse(fileWith("{}"));
    ASSERT_TRUE(none.ok()) << none.error();
    EXPECT_TRUE(none->tensors.empty());

    // Empty tensors hold no bytes: any offset inside the data, and inside another tensor, is fine.
    // A zero dimension makes the count 0 however large the others are.
    const std::string header = "{" + entry("a", "F32", "[4]", 0, 16) + ", " + entry("b", "F32", "[0, 3]", 8, 8) + ", " +
                               entry("c", "I32", "[4611686018427387904, 4611686018427387904, 0]", 16, 16) + "}";
    auto parsed = parse(fileWith(header, 16));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed->tensors.size(), 3u);
    EXPECT_EQ(parsed->tensors[1].elements(), 0);
}

TEST(SafetensorsHeader, FileShorterThanTheLengthField) {
    expectError({}, "0 bytes is too short for a safetensors file");
    expectError({1, 2, 3, 4, 5, 6, 7}, "7 bytes is too short");
}

TEST(SafetensorsHeader, LengthAboveTheLimit) {
    expectError(fileWith("{}", 0, std::uint64_t(1) << 62), "header length 4611686018427387904 is above the limit");
    expectError(fileWith("{}", 0, kMaxSafetensorsHeaderBytes + 1), "is above the limit of 100000000 bytes");
}

TEST(SafetensorsHeader, LengthPastTheEndOfTheFile) {
    expectError(fileWith("{}", 0, 3), "header length 3 runs past the end of the file (10 bytes)");
}

TEST(SafetensorsHeader, FewerBytesAvailableThanTheHeader) {
    const auto bytes = fileWith("{}   ");
    auto parsed = parseSafetensorsHeader(bytes.data(), 10, bytes.size(), "model.safetensors");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().find("only 10 bytes were read"), std::string::npos) << parsed.error();
}

TEST(SafetensorsHeader, HeaderMustBeUtf8) {
    expectError(fileWith("{\"a\xff\": 1}"), "the header is not valid UTF-8 (byte 11)");
    expectError(fileWith("{\"\xc0\xaf\": 1}"), "not valid UTF-8");      // overlong '/'
    expectError(fileWith("{\"\xed\xa0\x80\": 1}"), "not valid UTF-8");  // a surrogate
    expectError(fileWith("{\"\xe2\x82\": 1}"), "not valid UTF-8");      // cut short
    expectError(fileWith("{\"\xf4\x90\x80\x80\": 1}"), "not valid UTF-8");  // above U+10FFFF
    // Valid multi-byte text passes (here as a metadata value).
    auto parsed = parse(fileWith("{\"__metadata__\": {\"note\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}}"));
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(parsed->metadata.at("note"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(SafetensorsHeader, HeaderMustBeAJsonObject) {
    expectError(fileWith("{\"a\": [1, 2,"), "the header is not valid JSON");
    expectError(fileWith(""), "the header is not valid JSON");
    expectError(fileWith("[]"), "the header is not a JSON object");
    expectError(fileWith(std::string(200, '[') + std::string(200, ']')), "nested deeper than");
}

TEST(SafetensorsHeader, EntriesNeedTheirThreeKeys) {
    expectError(fileWith("{\"a\": 3}"), "tensor 'a': entry must be an object");
    expectError(fileWith("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}"), "tensor 'a': missing 'data_offsets'");
    expectError(fileWith("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "tensor 'a': missing 'dtype'");
}

TEST(SafetensorsHeader, UnknownDtypesAreRefusedByName) {
    expectError(fileWith("{" + entry("model.x", "F64", "[1]", 0, 8) + "}", 8),
                "tensor 'model.x': dtype 'F64' is not supported");
    expectError(fileWith("{" + entry("model.y", "I8", "[4]", 0, 4) + "}", 4),
                "tensor 'model.y': dtype 'I8' is not supported");
    expectError(fileWith("{\"a\": {\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "tensor 'a': dtype must be a string");
}

TEST(SafetensorsHeader, ShapesHoldNonNegativeIntegers) {
    expectError(fileWith("{" + entry("a", "F32", "[-1]", 0, 0) + "}"), "tensor 'a': shape must hold non-negative");
    expectError(fileWith("{" + entry("a", "F32", "[1.5]", 0, 4) + "}", 4), "shape must hold non-negative integers");
    expectError(fileWith("{" + entry("a", "F32", "[18446744073709551615]", 0, 4) + "}", 4), "below 2^63");
    expectError(fileWith("{" + entry("a", "F32", "4", 0, 4) + "}", 4), "shape must be an array");
}

TEST(SafetensorsHeader, ElementCountOverflowIsRefused) {
    expectError(fileWith("{" + entry("a", "I32", "[4294967296, 4294967296]", 0, 4) + "}", 4),
                "tensor 'a': shape [4294967296, 4294967296] has more elements than fit in 64 bits");
    // Elements fit an int64, but not their bytes a uint64.
    expectError(fileWith("{" + entry("a", "I32", "[2305843009213693952, 2]", 0, 4) + "}", 4), "needs more than 2^64");
}

TEST(SafetensorsHeader, OffsetsArePairsInsideTheData) {
    expectError(fileWith("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4),
                "data_offsets must be [begin, end]");
    expectError(fileWith("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4),
                "data_offsets must be [begin, end]");
    expectError(fileWith("{" + entry("a", "F32", "[1]", 8, 4) + "}", 8), "data_offsets [8, 4] end before they begin");
    expectError(fileWith("{" + entry("a", "F32", "[1]", 4, 8) + "}", 6),
                "data_offsets [4, 8] run past the end of the data (6 bytes)");
}

TEST(SafetensorsHeader, OffsetsHoldExactlyTheShape) {
    expectError(fileWith("{" + entry("model.layers.0.self_attn.q_proj.qweight", "I32", "[4, 8]", 0, 96) + "}", 128),
                "model.safetensors: tensor 'model.layers.0.self_attn.q_proj.qweight': data_offsets [0, 96] hold 96 "
                "bytes, but I32 [4, 8] needs 128");
}

TEST(SafetensorsHeader, TensorsMayNotOverlap) {
    expectError(fileWith("{" + entry("a", "F32", "[4]", 0, 16) + ", " + entry("b", "F32", "[4]", 8, 24) + "}", 24),
                "tensors 'a' [0, 16] and 'b' [8, 24] overlap");
    // Overlap with an earlier, longer tensor, not only the one just before.
    expectError(fileWith("{" + entry("a", "F32", "[8]", 0, 32) + ", " + entry("b", "F32", "[1]", 4, 8) + ", " +
                             entry("c", "F32", "[1]", 8, 12) + "}",
                         32),
                "tensors 'a' [0, 32] and 'b' [4, 8] overlap");
    // Touching is not overlapping, and gaps are allowed.
    auto parsed = parse(fileWith("{" + entry("a", "F32", "[2]", 0, 8) + ", " + entry("b", "F32", "[2]", 8, 16) + ", " +
                                     entry("c", "F32", "[1]", 20, 24) + "}",
                                 24));
    EXPECT_TRUE(parsed.ok()) << parsed.error();
}

TEST(SafetensorsHeader, NamesAreNonEmptyAndUnique) {
    expectError(fileWith("{" + entry("", "F32", "[1]", 0, 4) + "}", 4), "a tensor has an empty name");
    expectError(fileWith("{" + entry("a", "F32", "[1]", 0, 4) + ", " + entry("a", "F32", "[1]", 4, 8) + "}", 8),
                "tensor 'a' is listed twice");
}

TEST(SafetensorsHeader, MetadataMapsStringsToStrings) {
    expectError(fileWith("{\"__metadata__\": {\"format\": 1}}"), "__metadata__ 'format' must be a string");
    expectError(fileWith("{\"__metadata__\": [\"pt\"]}"), "__metadata__ must be an object of strings");
}

// --- files ------------------------------------------------------------------------------------

std::string safetensorsTempPath(const std::string& name) {
    return ::testing::TempDir() + "q4_safetensors_" + std::to_string(::getpid()) + "_" + name;
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

TEST(SafetensorsFile, ViewsTensorBytesInTheMapping) {
    const std::string header = "{" + entry("a", "I32", "[2]", 0, 8) + ", " + entry("b", "F16", "[3]", 8, 14) + "}";
    const std::string path = safetensorsTempPath("view.safetensors");
    writeBytes(path, fileWith(header, 14));
    auto file = SafetensorsFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error();
    EXPECT_EQ(file->path(), path);
    const TensorEntry* b = file->find("b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(file->find("c"), nullptr);
    const std::uint8_t* data = file->data(*b);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(data[i], 8 + i);
    std::filesystem::remove(path);
}

TEST(SafetensorsFile, ZeroByteFileIsAnError) {
    const std::string path = safetensorsTempPath("empty.safetensors");
    writeBytes(path, {});
    auto mapped = MappedFile::open(path);
    ASSERT_TRUE(mapped.ok()) << mapped.error();
    EXPECT_EQ(mapped->size(), 0u);
    EXPECT_EQ(mapped->data(), nullptr);

    auto file = SafetensorsFile::open(path);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error(), path + ": 0 bytes is too short for a safetensors file, which starts with an 8-byte header "
                                   "length");
    std::filesystem::remove(path);
}

TEST(SafetensorsFile, MissingFileNamesThePathAndTheReason) {
    const std::string path = safetensorsTempPath("absent.safetensors");
    auto file = SafetensorsFile::open(path);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error(), "cannot open '" + path + "': " + std::strerror(ENOENT));
}

TEST(SafetensorsFile, FolderIsNotAFile) {
    auto file = SafetensorsFile::open(::testing::TempDir());
    ASSERT_FALSE(file.ok());
    EXPECT_NE(file.error().find("it is not a regular file"), std::string::npos) << file.error();
}

TEST(SafetensorsFile, MappingMovesAndOutlivesTheFileObject) {
    const std::string path = safetensorsTempPath("move.safetensors");
    const std::string header = "{" + entry("a", "F32", "[1]", 0, 4) + "}";
    writeBytes(path, fileWith(header, 4));
    auto mapped = MappedFile::open(path);
    ASSERT_TRUE(mapped.ok()) << mapped.error();
    const std::uint8_t* data = mapped->data();
    MappedFile moved = std::move(mapped).value();
    EXPECT_EQ(moved.data(), data);
    EXPECT_EQ(moved.size(), 8 + header.size() + 4);
    EXPECT_EQ(moved.data()[0], header.size());

    auto file = SafetensorsFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error();
    SafetensorsFile copy = *file;  // copies share the mapping
    EXPECT_EQ(copy.data(*copy.find("a")), file->data(*file->find("a")));
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace q4
