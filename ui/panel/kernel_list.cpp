#include "panel/kernel_list.h"

#include <QListWidget>
#include <QSignalBlocker>
#include <algorithm>

namespace q4ui {

namespace {

constexpr int kIdRole = Qt::UserRole;
constexpr int kUnknownRole = Qt::UserRole + 1;

bool contains(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

QListWidgetItem* addItem(QListWidget* list, const QString& text, const std::string& id, bool checked) {
    auto* item = new QListWidgetItem(text, list);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    item->setData(kIdRole, QString::fromStdString(id));
    return item;
}

}  // namespace

QString kernelToolTip(const q4::KernelInfo& info) {
    QString tip = QString::fromStdString(info.description) + "\nConstraints: " + QString::fromStdString(info.constraints);
    if (!info.ranked) tip += "\nReference: not ranked";
    return tip;
}

void fillKernelList(QListWidget* list, const std::vector<q4::KernelInfo>& catalog,
                    const std::vector<std::string>& checkedIds, const std::vector<std::string>& keepUnknown) {
    const QSignalBlocker blocker(list);
    list->clear();
    std::vector<std::string> known;
    for (const q4::KernelInfo& info : catalog) {
        const QString text = QString::fromStdString(info.id) + (info.ranked ? QString() : QStringLiteral(" (reference)"));
        addItem(list, text, info.id, contains(checkedIds, info.id))->setToolTip(kernelToolTip(info));
        known.push_back(info.id);
    }
    for (const std::string& id : keepUnknown) {
        if (contains(known, id)) continue;
        auto* item = addItem(list, QString::fromStdString(id) + " (not offered)", id, true);
        item->setData(kUnknownRole, true);
        item->setToolTip(QStringLiteral("This backend has no kernel '%1': uncheck it or switch backend")
                             .arg(QString::fromStdString(id)));
        known.push_back(id);
    }
}

std::vector<std::string> checkedKernelIds(const QListWidget* list) {
    std::vector<std::string> ids;
    for (int row = 0; row < list->count(); ++row) {
        const QListWidgetItem* item = list->item(row);
        if (item->checkState() == Qt::Checked) ids.push_back(item->data(kIdRole).toString().toStdString());
    }
    return ids;
}

bool allKernelsChecked(const QListWidget* list) {
    if (list->count() == 0) return false;
    for (int row = 0; row < list->count(); ++row) {
        const QListWidgetItem* item = list->item(row);
        if (item->checkState() != Qt::Checked || item->data(kUnknownRole).toBool()) return false;
    }
    return true;
}

void setAllKernelsChecked(QListWidget* list, bool checked) {
    for (int row = 0; row < list->count(); ++row) list->item(row)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

}  // namespace q4ui
