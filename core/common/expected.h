#pragma once
// A value or an error message: how every layer reports bad input without throwing.
#include <string>
#include <utility>
#include <variant>

namespace q4 {

struct Error {
    std::string message;  // names the field and the rule, e.g. "k=100 is not a multiple of group size 128"
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

private:
    std::variant<T, Error> state_;
};

// For operations that return nothing but may fail.
struct Status {
    Status() = default;
    Status(Error error) : message(std::move(error.message)) {}  // lets Status functions return Error{...}
    std::string message;  // empty means success
    static Status success() { return {}; }
    static Status failure(std::string why) { return Error{std::move(why)}; }
    bool ok() const { return message.empty(); }
    explicit operator bool() const { return ok(); }
};

}  // namespace q4
