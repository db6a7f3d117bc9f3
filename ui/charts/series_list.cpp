#include "charts/series_list.h"

#include <QScrollBar>
#include <QStyle>
#include <QSignalBlocker>
#include <algorithm>

namespace q4ui {

namespace {

constexpr int kIdRole = Qt::UserRole;
constexpr int kMinWidth = 140;
constexpr int kMaxWidth = 300;

}  // namespace

SeriesList::SeriesList(QWidget* parent) : QListWidget(parent) {
    setSelectionMode(QAbstractItemView::NoSelection);
    setTextElideMode(Qt::ElideMiddle);
    setIconSize(QSize(28, 14));
    setUniformItemSizes(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setMinimumWidth(kMinWidth);
    connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        emit shownChanged(item->data(kIdRole).toString(), item->checkState() == Qt::Checked);
    });
    // Enter or a double click toggles too, not only the box.
    connect(this, &QListWidget::itemActivated, this, [](QListWidgetItem* item) {
        item->setCheckState(item->checkState() == Qt::Checked ? Qt::Unchecked : Qt::Checked);
    });
}

void SeriesList::addSeries(const QString& id, const QString& label, const QIcon& icon, bool shown) {
    const QSignalBlocker quiet(this);  // adding is not toggling
    auto* item = new QListWidgetItem(icon, label, this);
    item->setData(kIdRole, id);
    item->setToolTip(label);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(shown ? Qt::Checked : Qt::Unchecked);
    widestLabel_ = std::max(widestLabel_, fontMetrics().horizontalAdvance(label));
    updateGeometry();
}

void SeriesList::clearSeries() {
    const QSignalBlocker quiet(this);
    clear();
    widestLabel_ = 0;
    updateGeometry();
}

QSize SeriesList::sizeHint() const {
    // Check box, icon, paddings and a vertical scroll bar around the text.
    const int chrome = 2 * style()->pixelMetric(QStyle::PM_IndicatorWidth) + iconSize().width() +
                       verticalScrollBar()->sizeHint().width() + 2 * frameWidth();
    return {std::clamp(widestLabel_ + chrome, kMinWidth, kMaxWidth), QListWidget::sizeHint().height()};
}

}  // namespace q4ui
