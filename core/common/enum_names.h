#pragma once
// One name table per enum, read both ways. An enum opts in by declaring, beside itself,
//   NameTable<E> namesOf(E);
// whose first entry for each value is its canonical name; later entries are accepted spellings.
// C++17, since CUDA sources include the headers that declare these tables.
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace q4 {

template <class E>
struct NamedValue {
    E value;
    const char* name;
};

template <class E>
struct NameTable {
    const NamedValue<E>* first = nullptr;
    std::size_t count = 0;
    template <std::size_t N>
    constexpr NameTable(const NamedValue<E> (&entries)[N]) : first(entries), count(N) {}
    const NamedValue<E>* begin() const { return first; }
    const NamedValue<E>* end() const { return first + count; }
    std::size_t size() const { return count; }
    const NamedValue<E>& operator[](std::size_t i) const { return first[i]; }
};

// The canonical name of a value.
template <class E>
const char* nameOf(E value) {
    for (const NamedValue<E>& entry : namesOf(value))
        if (entry.value == value) return entry.name;
    return "?";
}

// The value a name (any accepted spelling, any case, surrounding spaces ignored) stands for.
template <class E>
std::optional<E> valueOf(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    for (const NamedValue<E>& entry : namesOf(E{})) {
        const std::string_view name = entry.name;
        if (name.size() != text.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(text[i])) == name[i];
        if (same) return entry.value;
    }
    return std::nullopt;
}

// "cold, hot or stream": the canonical names, for messages.
template <class E>
std::string canonicalNames() {
    std::string names;
    std::string last;
    const auto table = namesOf(E{});
    for (std::size_t i = 0; i < table.size(); ++i) {
        bool first = true;
        for (std::size_t j = 0; j < i; ++j) first = first && table[j].value != table[i].value;
        if (!first) continue;
        if (!last.empty()) names += names.empty() ? last : ", " + last;
        last = table[i].name;
    }
    return names.empty() ? last : names + " or " + last;
}

}  // namespace q4
