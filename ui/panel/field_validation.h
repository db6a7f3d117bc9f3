#pragma once
// Field-level checks the engine does not do itself (group size lists, the seed), mapping an
// engine message back to the field it names, and marking a field invalid.
#include <QString>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/expected.h"

class QWidget;

namespace q4ui {

enum class SpecField {
    None,  // not about one field: shown on the panel
    M,
    N,
    K,
    Preset,
    GroupSizes,
    Warmup,
    MinSamples,
    MinTime,
    MaxNoise,
    Timeout,
    Tolerance,
    Seed,
    Kernels,
};

// The field an engine message is about, read from the field it names first:
// "k=100 is not a multiple of group size 128" -> K, "timing.timeout=1 must be >= ..." -> Timeout.
SpecField fieldOfMessage(std::string_view message);

// "128" or "32,64,128,-1"; values are checked by the engine (multiple of 8, or -1).
q4::Expected<std::vector<int>> parseGroupSizes(const QString& text);
// A decimal unsigned 64-bit integer.
q4::Expected<std::uint64_t> parseSeed(const QString& text);

// Red border, property "invalid" and the message as tooltip; an empty message restores the
// field's help tooltip (taken from the tooltip it had the first time it was marked).
void markField(QWidget* field, const QString& message);
bool isMarked(const QWidget* field);
// Sets the tooltip a field shows while it is valid.
void setHelpToolTip(QWidget* field, const QString& help);

}  // namespace q4ui
