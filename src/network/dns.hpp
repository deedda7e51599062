// The small part of DNS (RFC 1035) the per-network responder speaks: one question per query,
// A and AAAA answers, everything else forwarded upstream untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "network/addr.hpp"

namespace brig::network::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeAAAA = 28;
inline constexpr uint16_t kClassIN = 1;
inline constexpr uint8_t kNoError = 0, kServFail = 2, kNxDomain = 3, kNotImp = 4;

struct Query {
    uint16_t id = 0;
    uint16_t flags = 0;
    std::string name;  // lower case, no trailing dot
    uint16_t qtype = 0, qclass = 0;
    std::size_t question_end = 0;  // offset just past the question in the message
};

// Fails on anything but a well-formed standard query with exactly one question.
Result<Query> parse_query(std::span<const unsigned char> msg);
// A query for `name` (tests and the upstream check).
std::vector<unsigned char> make_query(uint16_t id, const std::string& name, uint16_t qtype);
// An answer to `q` (its question copied from `msg`) with `addrs` of q.qtype, or an error rcode.
std::vector<unsigned char> make_response(std::span<const unsigned char> msg, const Query& q,
                                         const std::vector<IpAddr>& addrs, uint8_t rcode, uint32_t ttl = 0);

struct Response {
    uint16_t id = 0;
    uint8_t rcode = 0;
    std::vector<IpAddr> addrs;  // A / AAAA records of the answer section
};
Result<Response> parse_response(std::span<const unsigned char> msg);

}  // namespace brig::network::dns
