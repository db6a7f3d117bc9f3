#include "backend/backend.h"

namespace q4 {

std::vector<std::string> kernelIds(const Backend& backend) {
    std::vector<std::string> ids;
    for (const auto& k : backend.kernels()) ids.push_back(k.id);
    return ids;
}

}  // namespace q4
