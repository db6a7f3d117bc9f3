#pragma once
// A whole file mapped read-only into memory (POSIX mmap), unmapped when the object goes. Checkpoint
// shards are gigabytes: mapping lets the reader check a header and copy one layer's tensors without
// reading the rest of the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "common/expected.h"

namespace q4 {

class MappedFile {
public:
    // Maps a regular file. A 0-byte file maps to an empty view (mmap refuses a zero length). The error
    // names the path and gives the system's reason.
    static Expected<MappedFile> open(const std::string& path);

    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    const std::string& path() const { return path_; }
    const std::uint8_t* data() const { return data_; }  // null when size() is 0
    std::uint64_t size() const { return size_; }

private:
    MappedFile(std::string path, const std::uint8_t* data, std::uint64_t size)
        : path_(std::move(path)), data_(data), size_(size) {}
    void unmap();

    std::string path_;
    const std::uint8_t* data_ = nullptr;
    std::uint64_t size_ = 0;
};

}  // namespace q4
