#include "results/record.h"

namespace q4 {

namespace {
constexpr NamedValue<RecordStatus> kStatusNames[] = {
    {RecordStatus::Ok, "ok"},
    {RecordStatus::Incorrect, "incorrect"},
    {RecordStatus::Unsupported, "unsupported"},
    {RecordStatus::Error, "error"},
    {RecordStatus::Cancelled, "cancelled"},
};
}  // namespace

NameTable<RecordStatus> namesOf(RecordStatus) { return kStatusNames; }

bool isTimed(const Record& record) { return record.status == RecordStatus::Ok && record.time.median > 0; }

bool samePoint(const Record& a, const Record& b) {
    return a.m == b.m && a.n == b.n && a.k == b.k && a.layer == b.layer && a.checkpoint == b.checkpoint && a.groupSize == b.groupSize &&
           a.actOrder == b.actOrder && a.symmetric == b.symmetric && a.zeroFormat == b.zeroFormat &&
           a.sparsity == b.sparsity;
}

bool samePointAndKernel(const Record& a, const Record& b) { return a.kernel == b.kernel && samePoint(a, b); }

}  // namespace q4
