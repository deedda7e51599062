// RUN --mount: BuildKit's CSV option list (type=cache,target=/root/.cache,sharing=locked) to a
// Mount, its values expanded, its keys checked per mount type. Internal to decode().
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "build/dockerfile/decode.hpp"

namespace brig::build::dockerfile::detail {

// One CSV record as Go's encoding/csv reads it: fields at ',', a field that starts with '"'
// is quoted ("" inside is a quote). Errors: a bare quote, an unterminated quoted field, empty.
Result<std::vector<std::string>> csv_fields(std::string_view s);

using ExpandFn = std::function<Result<std::string>(std::string_view)>;
// Errors are bare ("unexpected key 'size' for mount type 'bind'"): the caller adds where.
Result<Mount> parse_mount(std::string_view spec, const ExpandFn& expand);

}  // namespace brig::build::dockerfile::detail
