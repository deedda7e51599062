#include "network/dns.hpp"

#include <algorithm>
#include <cctype>

namespace brig::network::dns {

namespace {

uint16_t get16(std::span<const unsigned char> m, std::size_t off) {
    return static_cast<uint16_t>((m[off] << 8) | m[off + 1]);
}
void put16(std::vector<unsigned char>& out, uint16_t v) {
    out.push_back(static_cast<unsigned char>(v >> 8));
    out.push_back(static_cast<unsigned char>(v & 0xff));
}
void put32(std::vector<unsigned char>& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v & 0xffff));
}

// A name at `off`, following compression pointers (bounded); sets `end` past the name in place.
Result<std::string> read_name(std::span<const unsigned char> m, std::size_t off, std::size_t* end) {
    std::string name;
    bool jumped = false;
    for (int hops = 0; hops < 64; ++hops) {
        if (off >= m.size()) return fail("dns: name runs past the message");
        unsigned len = m[off];
        if (len == 0) {
            if (!jumped) *end = off + 1;
            return name;
        }
        if ((len & 0xc0) == 0xc0) {
            if (off + 1 >= m.size()) return fail("dns: truncated compression pointer");
            if (!jumped) *end = off + 2;
            jumped = true;
            off = ((len & 0x3f) << 8) | m[off + 1];
            continue;
        }
        if (len & 0xc0) return fail("dns: unsupported label type");
        if (off + 1 + len > m.size()) return fail("dns: label runs past the message");
        if (!name.empty()) name += '.';
        for (unsigned i = 0; i < len; ++i) name += static_cast<char>(std::tolower(m[off + 1 + i]));
        if (name.size() > 255) return fail("dns: name too long");
        off += 1 + len;
    }
    return fail("dns: too many compression pointers");
}

}  // namespace

Result<Query> parse_query(std::span<const unsigned char> m) {
    if (m.size() < 12) return fail("dns: message shorter than its header");
    Query q;
    q.id = get16(m, 0);
    q.flags = get16(m, 2);
    if (q.flags & 0x8000) return fail("dns: not a query");
    if (((q.flags >> 11) & 0xf) != 0) return fail("dns: not a standard query");
    if (get16(m, 4) != 1) return fail("dns: expected exactly one question");
    std::size_t end = 0;
    auto name = read_name(m, 12, &end);
    if (!name) return std::unexpected(name.error());
    if (end + 4 > m.size()) return fail("dns: truncated question");
    q.name = *name;
    while (!q.name.empty() && q.name.back() == '.') q.name.pop_back();
    q.qtype = get16(m, end);
    q.qclass = get16(m, end + 2);
    q.question_end = end + 4;
    return q;
}

std::vector<unsigned char> make_query(uint16_t id, const std::string& name, uint16_t qtype) {
    std::vector<unsigned char> out;
    put16(out, id);
    put16(out, 0x0100);  // RD
    put16(out, 1);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0);
    std::size_t start = 0;
    while (start <= name.size()) {
        auto dot = name.find('.', start);
        if (dot == std::string::npos) dot = name.size();
        std::size_t len = std::min<std::size_t>(dot - start, 63);
        if (len > 0) {
            out.push_back(static_cast<unsigned char>(len));
            out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(start + len));
        }
        start = dot + 1;
    }
    out.push_back(0);
    put16(out, qtype);
    put16(out, kClassIN);
    return out;
}

std::vector<unsigned char> make_response(std::span<const unsigned char> msg, const Query& q,
                                         const std::vector<IpAddr>& addrs, uint8_t rcode, uint32_t ttl) {
    std::vector<unsigned char> out;
    put16(out, q.id);
    // QR, opcode 0, AA, RD copied, RA, rcode.
    uint16_t flags = static_cast<uint16_t>(0x8000 | 0x0400 | (q.flags & 0x0100) | 0x0080 | (rcode & 0xf));
    put16(out, flags);
    put16(out, 1);
    std::vector<const IpAddr*> answers;
    if (rcode == kNoError)
        for (auto& a : addrs)
            if ((q.qtype == kTypeA && a.family == AF_INET) || (q.qtype == kTypeAAAA && a.family == AF_INET6))
                answers.push_back(&a);
    put16(out, static_cast<uint16_t>(answers.size()));
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), msg.begin() + 12, msg.begin() + static_cast<long>(q.question_end));
    for (auto* a : answers) {
        put16(out, 0xc00c);  // the name of the question
        put16(out, a->family == AF_INET ? kTypeA : kTypeAAAA);
        put16(out, kClassIN);
        put32(out, ttl);
        put16(out, static_cast<uint16_t>(a->size()));
        auto b = a->bytes();
        out.insert(out.end(), b.begin(), b.begin() + static_cast<long>(a->size()));
    }
    return out;
}

Result<Response> parse_response(std::span<const unsigned char> m) {
    if (m.size() < 12) return fail("dns: message shorter than its header");
    Response r;
    r.id = get16(m, 0);
    uint16_t flags = get16(m, 2);
    if (!(flags & 0x8000)) return fail("dns: not a response");
    r.rcode = flags & 0xf;
    unsigned qd = get16(m, 4), an = get16(m, 6);
    std::size_t off = 12;
    for (unsigned i = 0; i < qd; ++i) {
        std::size_t end = 0;
        if (auto n = read_name(m, off, &end); !n) return std::unexpected(n.error());
        off = end + 4;
        if (off > m.size()) return fail("dns: truncated question");
    }
    for (unsigned i = 0; i < an; ++i) {
        std::size_t end = 0;
        if (auto n = read_name(m, off, &end); !n) return std::unexpected(n.error());
        if (end + 10 > m.size()) return fail("dns: truncated answer");
        uint16_t type = get16(m, end), rdlen = get16(m, end + 8);
        std::size_t rd = end + 10;
        if (rd + rdlen > m.size()) return fail("dns: truncated answer data");
        if (type == kTypeA && rdlen == 4) r.addrs.push_back(ip_from_bytes(AF_INET, m.data() + rd));
        if (type == kTypeAAAA && rdlen == 16) r.addrs.push_back(ip_from_bytes(AF_INET6, m.data() + rd));
        off = rd + rdlen;
    }
    return r;
}

}  // namespace brig::network::dns
