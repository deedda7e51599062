// Checks of the single values decode() meets: EXPOSE ports, STOPSIGNAL signals, --chmod
// modes, ADD --checksum digests and Go-style booleans. Internal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig::build::dockerfile::detail {

// "80" -> "80/tcp", "8000-8010/UDP" -> "8000-8010/udp"; protocols tcp, udp, sctp.
Result<std::string> normalize_port(std::string_view spec);

// "SIGTERM", "term", "15", "RTMIN+3" (as docker's signal.ParseSignal takes them).
bool valid_signal(std::string_view s);

// An octal file mode of at most 07777.
bool valid_octal_mode(std::string_view s);

// "sha256:<64 hex>", "sha384:<96 hex>", "sha512:<128 hex>".
bool valid_digest(std::string_view s);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_bool(std::string_view s);

// Decimal digits only, within 32 bits unsigned (uid=, gid=); octal when base is 8 (mode=).
bool valid_uint32(std::string_view s, int base);

}  // namespace brig::build::dockerfile::detail
