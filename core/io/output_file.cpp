#include "io/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace q4 {
namespace {

std::string systemReason() { return std::strerror(errno); }

// A name beside path that no other process of this machine picks at the same moment.
std::string temporaryBeside(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

}  // namespace

Status checkOutputPath(const std::string& path) {
    if (path.empty()) return Status::failure("the output path is empty");
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return Status::failure("cannot write '" + path + "': it is a folder");
    const std::string probe = temporaryBeside(path);
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return Status::failure("cannot write '" + path + "': " + systemReason());
    ::close(fd);
    ::unlink(probe.c_str());
    return Status::success();
}

Status writeFileAtomically(const std::string& path, const std::string& content) {
    const std::string temporary = temporaryBeside(path);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::failure("cannot write '" + path + "': " + systemReason());
    auto fail = [&](const char* step) {
        const std::string reason = systemReason();
        ::close(fd);
        ::unlink(temporary.c_str());
        return Status::failure("cannot write '" + path + "' (" + step + "): " + reason + "; any previous file is kept");
    };
    for (std::size_t written = 0; written < content.size();) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        written += std::size_t(n);
    }
    if (::fsync(fd) != 0) return fail("sync");  // a full disk can surface only here
    if (::close(fd) != 0) {
        const std::string reason = systemReason();
        ::unlink(temporary.c_str());
        return Status::failure("cannot write '" + path + "' (close): " + reason + "; any previous file is kept");
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = systemReason();
        ::unlink(temporary.c_str());
        return Status::failure("cannot write '" + path + "' (rename): " + reason + "; any previous file is kept");
    }
    return Status::success();
}

}  // namespace q4
