#pragma once
// q4bench-cli's exit codes: one meaning each (the README lists them).

enum ExitCode {
    kAllRan = 0,           // every record ran, or was unsupported with its reason
    kRecordFailed = 1,     // a record failed validation or errored; its reason is in the output
    kInvalidInput = 2,     // the message names the field and the rule; nothing was measured
    kOutputFailed = 3,     // an output file could not be written; the reason is printed
    kInterrupted = 130,    // SIGINT, SIGTERM or SIGHUP: the records measured so far are written
};
