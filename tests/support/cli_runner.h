#pragma once
// Runs the real q4bench-cli (or any program) as a child process for end-to-end tests: its exit
// code and everything it printed, stdout and stderr together.
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace q4test {

struct CliResult {
    int exitCode = -1;
    std::string output;
};

// Runs a shell command line (so tests can pipe and signal).
inline CliResult runShell(const std::string& command) {
    CliResult result;
    FILE* pipe = popen(("(" + command + ") 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline CliResult runProgram(const std::string& program, const std::string& args) {
    return runShell(program + " " + args);
}

#ifdef Q4BENCH_CLI_PATH
inline CliResult runCli(const std::string& args) { return runProgram(Q4BENCH_CLI_PATH, args); }
#endif

}  // namespace q4test
