#pragma once
// Builders of field-table entries, one per kind of member, for any record type R (the kernel
// records' and the model records' tables). Each entry's set() checks a file's value against the
// field's range, so every table reads untrusted files the same way.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "results/record_fields.h"

namespace q4::fields {

// Bounds on what a file may hold: wide enough for any real measurement, narrow enough that a
// hostile or corrupt file cannot overflow arithmetic in the charts and tables downstream.
inline constexpr std::int64_t kMaxDimension = std::int64_t(1) << 40;
inline constexpr std::int64_t kMaxBytes = std::int64_t(1) << 56;
inline constexpr double kMaxMagnitude = 1e30;
inline constexpr std::size_t kMaxText = 4096;  // names, paths and messages; a 100,000-character name is garbage

inline Status outOfRange(const std::string& what) { return Status::failure("must be " + what); }

// An empty value (a blank CSV cell) for a member that is always present is an error, not a default.
inline bool absent(const FieldValue& v) { return std::holds_alternative<std::monostate>(v); }

template <class R, class Access>
FieldOf<R> textField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Text, FieldType::Text,
            [access](const R& r) -> FieldValue { return access(const_cast<R&>(r)); },
            [access](R& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("given");
                const std::string& text = std::get<std::string>(v);
                if (text.size() > kMaxText) return outOfRange("at most " + std::to_string(kMaxText) + " characters");
                access(r) = text;
                return Status::success();
            }};
}

template <class R, class E, class Access>
FieldOf<R> enumField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Text, FieldType::Text,
            [access](const R& r) -> FieldValue { return std::string(nameOf(access(const_cast<R&>(r)))); },
            [access](R& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("given");
                const auto value = valueOf<E>(std::get<std::string>(v));
                if (!value) return outOfRange("one of " + canonicalNames<E>());
                access(r) = *value;
                return Status::success();
            }};
}

template <class R, class Access>
FieldOf<R> flagField(std::string key, std::string label, Access access) {
    return {std::move(key), std::move(label), FieldHint::Flag, FieldType::Boolean,
            [access](const R& r) -> FieldValue { return access(const_cast<R&>(r)); },
            [access](R& r, const FieldValue& v) -> Status {
                if (absent(v)) return outOfRange("true or false");
                access(r) = std::get<bool>(v);
                return Status::success();
            }};
}

// A plain or optional member as a FieldValue; an absent optional is monostate.
template <class Member, class Convert>
FieldValue readMember(const Member& member, Convert convert) {
    if constexpr (requires { member.has_value(); }) {
        if (!member) return std::monostate{};
        return convert(*member);
    } else {
        return convert(member);
    }
}

// Stores a value through store; monostate clears an optional member and is refused for a plain one.
template <class Member, class Store>
Status writeMember(Member& member, const FieldValue& v, Store store) {
    if (std::holds_alternative<std::monostate>(v)) {
        if constexpr (requires { member.reset(); }) {
            member.reset();
            return Status::success();
        } else {
            return outOfRange("given");
        }
    }
    return store(member);
}

// Integers (also optional ones) within [low, high].
template <class R, class Access>
FieldOf<R> integerField(std::string key, std::string label, FieldHint hint, std::int64_t low, std::int64_t high,
                         Access access) {
    return {std::move(key), std::move(label), hint, FieldType::Integer,
            [access](const R& r) {
                return readMember(access(const_cast<R&>(r)), [](auto x) { return std::int64_t(x); });
            },
            [access, low, high](R& r, const FieldValue& v) {
                return writeMember(access(r), v, [&](auto& member) {
                    const std::int64_t value = std::get<std::int64_t>(v);
                    if (value < low || value > high)
                        return outOfRange("from " + std::to_string(low) + " to " + std::to_string(high));
                    using Member = std::remove_cvref_t<decltype(member)>;
                    if constexpr (requires { member.reset(); }) member = typename Member::value_type(value);
                    else member = Member(value);
                    return Status::success();
                });
            }};
}

// Numbers (also optional ones), stored in the record times `scale` in the file (1e3: seconds
// shown as ms). Reading divides by the exact power of ten, never multiplies by its inverse.
template <class R, class Access>
FieldOf<R> numberField(std::string key, std::string label, FieldHint hint, double scale, double low,
                        bool nonFiniteAllowed, Access access) {
    return {std::move(key), std::move(label), hint, FieldType::Number,
            [access, scale](const R& r) {
                return readMember(access(const_cast<R&>(r)), [scale](double x) { return x * scale; });
            },
            [access, scale, low, nonFiniteAllowed](R& r, const FieldValue& v) {
                return writeMember(access(r), v, [&](auto& member) {
                    const double value = std::get<double>(v);
                    if (std::isnan(value) || std::isinf(value)) {
                        if (!nonFiniteAllowed) return outOfRange("a finite number");
                    } else if (value < low || value > kMaxMagnitude) {
                        return outOfRange("from " + formatNumber(low) + " to " + formatNumber(kMaxMagnitude));
                    }
                    member = value / scale;
                    return Status::success();
                });
            }};
}

}  // namespace q4::fields
