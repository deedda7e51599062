#include "common/error.hpp"

#include <cstring>

namespace brig {

std::string Error::what() const {
    if (errnum == 0) return message;
    return fmt::format("{}: {}", message, std::strerror(errnum));
}

}  // namespace brig
