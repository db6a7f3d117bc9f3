#pragma once
// For the chart tests: records as a CUDA run would make them, and where a list entry's check box is.
#include <QListWidget>
#include <QStyle>
#include <QStyleOptionViewItem>
#include <cstdint>
#include <string>

#include "results/record.h"

namespace q4test {

// The centre of an entry's check box in list's viewport, where a user clicks to toggle it.
inline QPoint checkBoxCenter(const QListWidget& list, QListWidgetItem* item) {
    QStyleOptionViewItem option;
    option.initFrom(list.viewport());
    option.rect = list.visualItemRect(item);
    option.features = QStyleOptionViewItem::HasCheckIndicator | QStyleOptionViewItem::HasDisplay |
                      QStyleOptionViewItem::HasDecoration;
    option.decorationSize = list.iconSize();
    option.text = item->text();
    return list.style()->subElementRect(QStyle::SE_ItemViewItemCheckIndicator, &option, &list).center();
}

// An ok record with its median in seconds; p10 and p90 a few percent either side.
inline q4::Record timedRecord(const std::string& kernel, std::int64_t m, double medianSeconds,
                              const std::string& layer = {}, std::int64_t n = 4096, std::int64_t k = 4096) {
    q4::Record r;
    r.runId = "20250101T000000Z-test";
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.kernel = kernel;
    r.layer = layer;
    r.m = m;
    r.n = n;
    r.k = k;
    r.time.samples = 100;
    r.time.median = medianSeconds;
    r.time.p10 = medianSeconds * 0.96;
    r.time.p90 = medianSeconds * 1.08;
    r.time.min = r.time.p10;
    r.time.max = r.time.p90;
    r.relError = 2e-3;
    r.bytes = double(n * k) / 2 + double(m * k * 2 + m * n * 2);
    r.gbps = r.bytes / medianSeconds / 1e9;
    r.fractionOfFloor = 0.5;
    r.speedupVsBaseline = 1.5;
    r.mem.weights = n * k / 2;
    r.mem.scales = n * (k / 128) * 2;
    r.mem.activations = m * k * 2;
    r.mem.output = m * n * 2;
    r.memPeakBytes = r.mem.total();
    return r;
}

}  // namespace q4test
