#include "build/dockerfile/ast.hpp"

namespace brig::build::dockerfile {

std::string to_string(const Location& loc) {
    return fmt::format("{}:{}:{}", loc.file, loc.line, loc.column);
}

}  // namespace brig::build::dockerfile
