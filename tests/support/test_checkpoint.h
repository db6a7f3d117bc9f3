#pragma once
// Tiny GPTQ checkpoints for tests, written by scripts/make_test_checkpoint.py: a writer that shares
// no code with the reader under test. Needs python3 on the PATH; tests skip without it.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace q4test {

inline bool havePython() { return std::system("python3 -c 'import struct, json' >/dev/null 2>&1") == 0; }

inline std::filesystem::path scratchDirectory(const std::string& name) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("q4bench_ckpt_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(path);
    return path;
}

// Runs the writer with args (e.g. "--format v2 --act-order") into a fresh directory named name;
// returns the directory, or an empty path when the writer failed.
inline std::filesystem::path writeTestCheckpoint(const std::string& name, const std::string& args) {
    const auto dir = scratchDirectory(name);
    const std::string command = "python3 " Q4BENCH_SOURCE_DIR "/scripts/make_test_checkpoint.py --out " +
                                dir.string() + " " + args + " >/dev/null";
    return std::system(command.c_str()) == 0 ? dir : std::filesystem::path();
}

// The writer's corpus of malformed checkpoints: one folder per case, each with expect.txt holding
// part of the error the reader must give.
inline std::filesystem::path writeMalformedCorpus(const std::string& name) {
    const auto dir = scratchDirectory(name);
    const std::string command = "python3 " Q4BENCH_SOURCE_DIR "/scripts/make_test_checkpoint.py --malformed " +
                                dir.string() + " >/dev/null";
    return std::system(command.c_str()) == 0 ? dir : std::filesystem::path();
}

}  // namespace q4test
