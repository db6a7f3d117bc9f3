#include "report/chart_text_object.h"

#include <QAbstractTextDocumentLayout>
#include <QPainter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

namespace q4ui {

namespace {

constexpr int kObjectType = QTextFormat::UserObject + 1;
constexpr int kPictureProperty = QTextFormat::UserProperty + 1;
constexpr int kWidthProperty = QTextFormat::UserProperty + 2;

}  // namespace

void ChartTextObject::install(QTextDocument* document) {
    document->documentLayout()->registerHandler(kObjectType, new ChartTextObject(document));
}

bool ChartTextObject::replaceImage(QTextDocument* document, const QString& name, const QPicture& picture) {
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            const QTextCharFormat format = fragment.charFormat();
            if (!format.isImageFormat() || format.toImageFormat().name() != name) continue;
            QTextCharFormat object;
            object.setObjectType(kObjectType);
            object.setProperty(kPictureProperty, QVariant::fromValue(picture));
            object.setProperty(kWidthProperty, format.toImageFormat().width());
            QTextCursor cursor(document);
            cursor.setPosition(fragment.position());
            cursor.setPosition(fragment.position() + fragment.length(), QTextCursor::KeepAnchor);
            cursor.insertText(QString(QChar::ObjectReplacementCharacter), object);
            return true;
        }
    }
    return false;
}

QSizeF ChartTextObject::intrinsicSize(QTextDocument*, int, const QTextFormat& format) {
    const QRect box = qvariant_cast<QPicture>(format.property(kPictureProperty)).boundingRect();
    if (box.isEmpty()) return {};
    const double width = format.doubleProperty(kWidthProperty) > 0 ? format.doubleProperty(kWidthProperty) : box.width();
    return {width, width * box.height() / box.width()};
}

void ChartTextObject::drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int,
                                 const QTextFormat& format) {
    const QPicture picture = qvariant_cast<QPicture>(format.property(kPictureProperty));
    const QRect box = picture.boundingRect();
    if (box.isEmpty()) return;
    painter->save();
    painter->translate(rect.topLeft());
    painter->scale(rect.width() / box.width(), rect.height() / box.height());
    // QPicture::play scales by the device's resolution over the screen's, but the painter
    // already maps layout pixels onto the device; undo that second scaling.
    painter->scale(qreal(picture.logicalDpiX()) / painter->device()->logicalDpiX(),
                   qreal(picture.logicalDpiY()) / painter->device()->logicalDpiY());
    painter->drawPicture(0, 0, picture);
    painter->restore();
}

}  // namespace q4ui
