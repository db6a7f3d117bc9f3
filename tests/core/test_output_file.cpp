#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/output_file.h"

namespace q4 {
namespace {

std::filesystem::path tempDir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("q4bench_out_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string contentOf(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(OutputFile, WritesTheWholeContentAndLeavesNoTemporary) {
    const auto dir = tempDir("write");
    const auto path = dir / "out.csv";
    ASSERT_TRUE(writeFileAtomically(path.string(), "a,b\n1,2\n").ok());
    EXPECT_EQ(contentOf(path), "a,b\n1,2\n");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 1);
    std::filesystem::remove_all(dir);
}

TEST(OutputFile, CheckRefusesMissingFoldersAndFoldersWithoutTouchingAnything) {
    const auto dir = tempDir("check");
    const Status missing = checkOutputPath((dir / "no" / "out.json").string());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message.find("No such file or directory"), std::string::npos) << missing.message;
    EXPECT_NE(checkOutputPath(dir.string()).message.find("it is a folder"), std::string::npos);
    const auto existing = dir / "keep.csv";
    std::ofstream(existing) << "old";
    EXPECT_TRUE(checkOutputPath(existing.string()).ok());
    EXPECT_EQ(contentOf(existing), "old");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}), 1);
    std::filesystem::remove_all(dir);
}

// A full disk: the write fails with the system's reason and the previous file stays whole.
TEST(OutputFile, AFullDiskKeepsThePreviousFile) {
    const auto dir = tempDir("full");
    if (::mount("q4bench-test", dir.c_str(), "tmpfs", 0, "size=64k") != 0) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "cannot mount a small tmpfs here (needs privileges)";
    }
    const auto path = dir / "result.json";
    ASSERT_TRUE(writeFileAtomically(path.string(), "previous\n").ok());
    const Status full = writeFileAtomically(path.string(), std::string(1 << 20, 'x'));
    ASSERT_FALSE(full.ok());
    EXPECT_NE(full.message.find("No space left on device"), std::string::npos) << full.message;
    EXPECT_NE(full.message.find("previous file is kept"), std::string::npos) << full.message;
    EXPECT_EQ(contentOf(path), "previous\n");
    ::umount(dir.c_str());
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace q4
