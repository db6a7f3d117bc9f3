#pragma once
// The journal and CSV readers take a path: fuzz input goes through one scratch file per process
// (the pid in the name keeps parallel fuzzer jobs apart), removed when the process exits.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace q4fuzz {

inline const std::string& scratchPath() {
    static const std::string path = [] {
        std::string p = "/tmp/q4bench-fuzz-" + std::to_string(::getpid()) + ".in";
        static struct Remover {
            std::string path;
            ~Remover() { std::remove(path.c_str()); }
        } remover{p};
        return p;
    }();
    return path;
}

inline const std::string& writeScratch(const std::uint8_t* data, std::size_t size) {
    const std::string& path = scratchPath();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

}  // namespace q4fuzz
