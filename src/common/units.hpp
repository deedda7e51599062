// The one grammar for sizes and durations on every command line (brig's and brig-oci's).
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"

namespace brig {

// A size in bytes, as docker's units.RAMInBytes reads it (runc update and docker run both use
// it): a number with an optional fraction, an optional space, then an optional unit k, m, g,
// t or p (any case; binary: k = 1024), optionally followed by "i" and/or "b":
//   "4096", "2b", "512m", "512M", "1.5g", "64KiB", "100MB", "10 k".
// No sign: "-1" (unlimited) is for the caller to take before it asks. Fractions of a byte are
// dropped; more than 2^63 - 1 bytes is an error.
Result<int64_t> parse_size(std::string_view s);

// A duration as Go's time.ParseDuration reads it: an optional sign, then one or more decimal
// numbers (fraction allowed), each with a unit: ns, us (or µs), ms, s, m, h.
//   "300ms", "-1.5h", "2h45m", "1m30s", ".5s"; "0" alone needs no unit.
// A bare number other than 0 is an error ("missing unit"), as in Go.
Result<std::chrono::nanoseconds> parse_duration(std::string_view s);

}  // namespace brig
