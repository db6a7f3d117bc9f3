#pragma once
// The kernel checklist: one checkable item per kernel of a backend's catalog, keyed by id.
#include <QString>
#include <string>
#include <vector>

#include "backend/backend.h"

class QListWidget;

namespace q4ui {

// Description, constraints, and whether the kernel is only the validation reference.
QString kernelToolTip(const q4::KernelInfo& info);

// Replaces the items with the catalog's kernels; those whose id is in checkedIds are checked.
// Ids in keepUnknown that the catalog lacks stay as checked items marked as not offered, so a
// loaded spec naming them is shown (and rejected by validation) instead of silently changed.
void fillKernelList(QListWidget* list, const std::vector<q4::KernelInfo>& catalog,
                    const std::vector<std::string>& checkedIds, const std::vector<std::string>& keepUnknown = {});

std::vector<std::string> checkedKernelIds(const QListWidget* list);
// True when every item is checked and every item is a catalog kernel.
bool allKernelsChecked(const QListWidget* list);
void setAllKernelsChecked(QListWidget* list, bool checked);

}  // namespace q4ui
