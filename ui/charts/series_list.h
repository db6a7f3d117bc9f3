#pragma once
// A chart's series as a checkable list beside the plot: it scrolls however many series a run
// has (a preset gives dozens), shows each series' color and marker, and unchecking an entry
// hides its series. Long labels are elided and kept whole in the tooltip.
#include <QIcon>
#include <QListWidget>
#include <QString>

namespace q4ui {

class SeriesList : public QListWidget {
    Q_OBJECT
public:
    explicit SeriesList(QWidget* parent = nullptr);

    void addSeries(const QString& id, const QString& label, const QIcon& icon, bool shown);
    void clearSeries();
    QSize sizeHint() const override;  // as wide as the longest label, within bounds

signals:
    void shownChanged(const QString& id, bool shown);

private:
    int widestLabel_ = 0;
};

}  // namespace q4ui
