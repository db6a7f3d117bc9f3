#pragma once
// The shape lists as the user typed them. The engine expands "1:64:x2" into 1,2,4,...,64, and a
// spec written from the expanded lists reads back as a long list; a sweep file may hold the
// range as a string instead (setSpecField reads both), so the workbench keeps the typed text.
#include <QString>
#include <map>
#include <string>

namespace q4ui {

using TypedRanges = std::map<std::string, QString>;  // spec key ("m") -> text ("1:64:x2")

// The keys whose values typed text can stand for.
bool keepsTypedText(const std::string& key);
// The string values of those keys in a sweep spec's JSON; none when it does not parse.
TypedRanges typedRangesIn(const std::string& specJson);
// specJson (as q4::sweepSpecToJson writes it) with each listed key's array replaced by its text.
std::string withTypedRanges(const std::string& specJson, const TypedRanges& ranges);

}  // namespace q4ui
