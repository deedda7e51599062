// libFuzzer target: config.json as the runtime reads it (parse + validate), and a
// process.json as `exec --process` reads it. Anything may come back as an error; nothing
// may crash, leak, overflow or throw out of the parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oci/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto spec = brig::oci::parse_spec(text)) {
        // A spec that passed must also pass validation when checked again on its own.
        if (!brig::oci::validate_spec(*spec)) __builtin_trap();
        if (spec->process && !brig::oci::validate_process(*spec->process, "process")) __builtin_trap();
    }
    (void)brig::oci::parse_process(text);
    return 0;
}
