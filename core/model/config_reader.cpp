#include "model/config_reader.h"

#include <limits>
#include <utility>

#include "io/json_io.h"

namespace q4 {

Expected<nlohmann::json> parseJsonObject(const std::string& text, const std::string& context) {
    if (Status depth = checkJsonDepth(text, context); !depth) return depth.asError();
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // a syntax error, bad UTF-8, or a number beyond a double
        return Error{context + ": invalid JSON: " + e.what()};
    }
    if (!parsed.is_object()) return Error{context + ": expected a JSON object"};
    return parsed;
}

ConfigReader::ConfigReader(const nlohmann::json& object, std::string context, std::string prefix)
    : object_(object), context_(std::move(context)), prefix_(std::move(prefix)) {}

const nlohmann::json* ConfigReader::find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
}

void ConfigReader::require(const char* key) {
    if (!find(key)) fail("missing '" + prefix_ + key + "'");
}

void ConfigReader::text(const char* key, std::string& out) {
    if (const nlohmann::json* v = find(key)) {
        if (v->is_string()) out = v->get<std::string>();
        else failKey(key, "a string");
    }
}

void ConfigReader::boolean(const char* key, bool& out) {
    if (const nlohmann::json* v = find(key)) {
        if (v->is_boolean()) out = v->get<bool>();
        else failKey(key, "true or false");
    }
}

void ConfigReader::integer(const char* key, std::int64_t& out) {
    const nlohmann::json* v = find(key);
    if (!v) return;
    // Non-negative numbers parse as unsigned, and may lie above what int64 holds.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        out = std::int64_t(v->get<std::uint64_t>());
    else if (v->is_number_integer() && !v->is_number_unsigned())
        out = v->get<std::int64_t>();
    else
        failKey(key, "an integer");
}

void ConfigReader::integer(const char* key, int& out) {
    std::int64_t value = out;
    integer(key, value);
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
        failKey(key, "a 32-bit integer");
    else
        out = int(value);
}

void ConfigReader::number(const char* key, double& out) {
    if (const nlohmann::json* v = find(key)) {
        if (v->is_number()) out = v->get<double>();  // the parser refuses numbers beyond a double
        else failKey(key, "a number");
    }
}

void ConfigReader::failKey(const char* key, const std::string& rule) {
    fail("'" + prefix_ + key + "' must be " + rule);
}

void ConfigReader::fail(const std::string& message) {
    if (error_.empty()) error_ = context_ + ": " + message;
}

}  // namespace q4
