#pragma once
// A value or an error message: how every layer reports bad input without throwing.
#include <string>
#include <utility>
#include <variant>

namespace q4 {

struct Error {
    Error(std::string message_, std::string field_ = {}) : message(std::move(message_)), field(std::move(field_)) {}
    std::string message;  // names the field and the rule, e.g. "k=100 is not a multiple of group size 128"
    std::string field;    // the sweep-spec key it is about ("k", "timing.warmup"), where there is one
};

template <class T>
class Expected {
public:
    Expected(T value) : state_(std::move(value)) {}
    Expected(Error error) : state_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(state_); }
    T& value() & { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    const std::string& error() const { return std::get<Error>(state_).message; }
    const std::string& errorField() const { return std::get<Error>(state_).field; }
    Error takeError() const { return std::get<Error>(state_); }

private:
    std::variant<T, Error> state_;
};

// For operations that return nothing but may fail.
struct Status {
    Status() = default;
    Status(Error error) : message(std::move(error.message)), field(std::move(error.field)) {}
    std::string message;  // empty means success
    std::string field;    // as Error::field
    static Status success() { return {}; }
    static Status failure(std::string why, std::string field = {}) { return Error{std::move(why), std::move(field)}; }
    Error asError() const { return Error{message, field}; }
    bool ok() const { return message.empty(); }
    explicit operator bool() const { return ok(); }
};

}  // namespace q4
