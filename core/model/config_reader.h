#pragma once
// Typed reads of the JSON files model hubs ship beside the weights (config.json,
// quantize_config.json). These files carry many keys Q4Bench does not use, so unknown keys are
// ignored; an absent or null key keeps its default; a value of the wrong type is an error naming
// the file and the key. Range rules belong to the readers that know them.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/expected.h"

namespace q4 {

// Parses text as one JSON object, refusing deep nesting before the parser can recurse into it.
// context names the file in messages.
Expected<nlohmann::json> parseJsonObject(const std::string& text, const std::string& context);

class ConfigReader {
public:
    // prefix names the enclosing object in messages: "rope_scaling." gives 'rope_scaling.factor'.
    ConfigReader(const nlohmann::json& object, std::string context, std::string prefix = {});

    const nlohmann::json* find(const char* key) const;  // null when absent or null
    void require(const char* key);

    void text(const char* key, std::string& out);
    void boolean(const char* key, bool& out);
    void integer(const char* key, std::int64_t& out);
    void integer(const char* key, int& out);
    void number(const char* key, double& out);

    // Records "context: 'prefix key' must be <rule>"; the first error recorded is the one reported.
    void failKey(const char* key, const std::string& rule);
    // Records "context: <message>".
    void fail(const std::string& message);

    bool ok() const { return error_.empty(); }
    Status status() const { return ok() ? Status::success() : Status::failure(error_); }
    const std::string& context() const { return context_; }

private:
    const nlohmann::json& object_;
    std::string context_;
    std::string prefix_;
    std::string error_;
};

}  // namespace q4
