// Random identifiers from the kernel's CSPRNG (getrandom): container, network and endpoint
// ids, temp names.
#pragma once

#include <cstddef>
#include <string>

namespace brig {

// Fill buf with random bytes (getrandom, retried until it has them all).
void random_bytes(void* buf, size_t n);

// 2 * bytes lowercase hex digits: random_hex(32) is a 64-digit container id.
std::string random_hex(size_t bytes);

// n characters of [a-z0-9] (file names that must stay short).
std::string random_alnum(size_t n);

}  // namespace brig
