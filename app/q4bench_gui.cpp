// q4bench: the Qt workbench.
#include <QApplication>
#include <QLabel>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QLabel label("Q4Bench");
    label.show();
    return app.exec();
}
