#pragma once
// Charts inside a QTextDocument as vector pictures: a printed report draws them with the
// printer's own painter, so lines and text stay sharp at any resolution instead of being a
// screen-sized image scaled up.
#include <QObject>
#include <QPicture>
#include <QTextObjectInterface>

class QTextDocument;

namespace q4ui {

class ChartTextObject : public QObject, public QTextObjectInterface {
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    // Registers the handler with document, which owns it.
    static void install(QTextDocument* document);
    // Replaces the image named name (an <img src=name width=...>) with picture, drawn at the
    // image's width and the picture's aspect; false when the document has no such image.
    static bool replaceImage(QTextDocument* document, const QString& name, const QPicture& picture);

    QSizeF intrinsicSize(QTextDocument* document, int position, const QTextFormat& format) override;
    void drawObject(QPainter* painter, const QRectF& rect, QTextDocument* document, int position,
                    const QTextFormat& format) override;

private:
    using QObject::QObject;
};

}  // namespace q4ui
