#include "checkpoint/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace q4 {
namespace {

Error systemError(const std::string& path, const char* step) {
    return Error{"cannot " + std::string(step) + " '" + path + "': " + std::strerror(errno)};
}

}  // namespace

Expected<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return systemError(path, "open");
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        Error error = systemError(path, "read the size of");
        ::close(fd);
        return error;
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return Error{"cannot map '" + path + "': it is not a regular file"};
    }
    const auto size = std::uint64_t(info.st_size);
    if (size == 0) {
        ::close(fd);
        return MappedFile(path, nullptr, 0);
    }
    if (size > std::numeric_limits<std::size_t>::max()) {
        ::close(fd);
        return Error{"cannot map '" + path + "': the file is larger than the address space"};
    }
    void* address = ::mmap(nullptr, std::size_t(size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
        Error error = systemError(path, "map");
        ::close(fd);
        return error;
    }
    ::close(fd);  // the mapping keeps its own reference to the file
    return MappedFile(path, static_cast<const std::uint8_t*>(address), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
    if (this != &other) {
        unmap();
        path_ = std::move(other.path_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), std::size_t(size_));
    data_ = nullptr;
    size_ = 0;
}

}  // namespace q4
