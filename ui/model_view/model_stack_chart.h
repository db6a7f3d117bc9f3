#pragma once
// A breakdown per kernel as stacked bars: one bar per kernel, one stacked part per component
// (memory by purpose, or time by step component). Each kernel shows one record: at the largest
// batch it has data for (preferring ok records), or at the batch picked above the chart.
// Clicking a legend entry hides that part.
#include <QString>
#include <functional>
#include <optional>
#include <vector>

#include "model_view/model_chart.h"

class QCPBars;
class QComboBox;

namespace q4ui {

struct StackPart {
    QString label;
    // The part's size in the chart's unit; none or zero draws nothing.
    std::function<std::optional<double>(const q4::ModelRecord&)> value;
};

struct StackMetric {
    QString title;      // "Memory at peak"; the batch shown is added to it
    QString valueAxis;  // "MB"
    std::vector<StackPart> parts;
};

class ModelStackChart : public ModelChart {
    Q_OBJECT
public:
    ModelStackChart(ModelDocument* document, StackMetric metric, QWidget* parent = nullptr);

    int pointCount() const override;  // stacked segments drawn, over every bar
    QStringList seriesNames() const override;
    // 0: each kernel's largest batch; else that batch for every kernel.
    void setBatch(std::int64_t batch);
    std::int64_t batch() const;
    QComboBox* batchCombo() const { return batchCombo_; }
    // The record a kernel's bar shows, -1 for none.
    int recordShown(const QString& kernel) const;
    double partValue(const QString& kernel, int part) const;  // 0 when not shown

protected:
    void rebuild() override;
    void applyStyle() override;
    void toggleLegendItem(QCPAbstractLegendItem* item) override;
    void showTooltip(QMouseEvent* event) override;

private:
    struct Category {
        QString kernel;
        int index = -1;  // the record shown
    };

    bool hasData(const q4::ModelRecord& record) const;
    double valueOf(const q4::ModelRecord& record, int part) const;
    void refreshBatches();
    void choose();
    void fill();

    StackMetric metric_;
    QComboBox* batchCombo_;
    std::vector<QCPBars*> bars_;  // one per part, each stacked on the one before
    std::vector<bool> hidden_;
    std::vector<Category> categories_;
};

}  // namespace q4ui
