// Signal names and numbers, as kill(1), runc and docker take them.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::signals {

// "9", "KILL", "SIGKILL", "kill", "RTMIN+2", "SIGRTMAX-1" -> the number. Numbers run from 1
// to SIGRTMAX; names are any case, with or without "SIG".
Result<int> parse_signal(std::string_view s);

// 15 -> "SIGTERM", SIGRTMIN + 2 -> "SIGRTMIN+2"; a number without a name -> "SIG<n>".
std::string signal_name(int sig);

}  // namespace brig::signals
