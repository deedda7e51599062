// RFC 3339 timestamps, always in UTC. Formatting is done by hand: strftime and localtime
// would load the time zone (/etc/localtime) for nothing, and the monitor links no more than
// this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig {

// Nanoseconds since the Unix epoch, now (CLOCK_REALTIME).
int64_t unix_now_ns();

// "2026-11-23T20:19:44Z" (whole seconds; floor for times before 1970).
std::string format_rfc3339(int64_t unix_seconds);
// "2026-11-23T20:19:44.123456789Z": always nine digits, so that such strings sort as times do.
std::string format_rfc3339_nano(int64_t unix_ns);

std::string now_rfc3339_seconds();
std::string now_rfc3339_nano();

// RFC 3339 -> nanoseconds since the epoch: "YYYY-MM-DDTHH:MM:SS", an optional fraction of
// any length (digits past nine are dropped), then "Z" or "+hh:mm"/"-hh:mm". 'T' and 'Z' may
// be lower case. Fields are range-checked (a leap second, :60, is taken as :59).
Result<int64_t> parse_rfc3339_ns(std::string_view s);

// The same, but also without the offset (then UTC) or a date alone ("2026-11-23", midnight,
// optionally with an offset): the timestamps docker's --since and --until take.
Result<int64_t> parse_timestamp_ns(std::string_view s);

}  // namespace brig
