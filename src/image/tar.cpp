#include "image/tar.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace brig::image {
namespace {

constexpr size_t kBlock = 512;
constexpr size_t kMaxMeta = 1 << 20;  // PAX or GNU long-name header bodies larger than this are refused

uint64_t pad_of(uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

std::string field_str(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

Result<uint64_t> field_num(const char* p, size_t n, std::string_view what) {
    auto u = reinterpret_cast<const unsigned char*>(p);
    if (u[0] & 0x80) {  // base-256 (GNU/star): big values
        if (u[0] & 0x40) return fail("tar header: negative {}", what);
        uint64_t v = u[0] & 0x3f;
        for (size_t i = 1; i < n; ++i) {
            if (v >> 56) return fail("tar header: {} too large", what);
            v = (v << 8) | u[i];
        }
        return v;
    }
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\0')) ++i;
    uint64_t v = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
        if (v >> 60) return fail("tar header: {} too large", what);
        v = v * 8 + static_cast<uint64_t>(p[i] - '0');
    }
    for (; i < n; ++i)
        if (p[i] != ' ' && p[i] != '\0') return fail("tar header: invalid octal in {}", what);
    return v;
}

bool all_zero(const std::array<char, kBlock>& b) {
    return std::all_of(b.begin(), b.end(), [](char c) { return c == 0; });
}

Result<void> parse_time(std::string_view v, int64_t& sec, uint32_t& nsec) {
    bool neg = !v.empty() && v[0] == '-';
    if (neg) v.remove_prefix(1);
    auto dot = v.find('.');
    std::string_view whole = v.substr(0, dot);
    uint64_t s = 0;
    auto r = std::from_chars(whole.data(), whole.data() + whole.size(), s);
    if (r.ec != std::errc() || r.ptr != whole.data() + whole.size()) return fail("tar: bad PAX mtime '{}'", v);
    uint32_t ns = 0;
    if (dot != std::string_view::npos) {
        std::string_view frac = v.substr(dot + 1);
        for (size_t i = 0; i < 9; ++i) ns = ns * 10 + (i < frac.size() && frac[i] >= '0' && frac[i] <= '9' ? static_cast<uint32_t>(frac[i] - '0') : 0);
    }
    sec = neg ? -static_cast<int64_t>(s) : static_cast<int64_t>(s);
    nsec = neg ? 0 : ns;
    return {};
}

// Apply PAX records ("<len> <key>=<value>\n") to an entry.
struct PaxSeen {
    bool path = false, link = false, size = false, uid = false, gid = false, mtime = false;
};

Result<void> apply_pax(std::string_view data, TarEntry& e, PaxSeen& seen) {
    while (!data.empty()) {
        auto sp = data.find(' ');
        if (sp == std::string_view::npos) return fail("tar: malformed PAX header");
        size_t len = 0;
        auto r = std::from_chars(data.data(), data.data() + sp, len);
        if (r.ec != std::errc() || len <= sp + 1 || len > data.size() || data[len - 1] != '\n')
            return fail("tar: malformed PAX header record");
        std::string_view rec = data.substr(sp + 1, len - sp - 2);
        data.remove_prefix(len);
        auto eq = rec.find('=');
        if (eq == std::string_view::npos) return fail("tar: malformed PAX record");
        std::string_view key = rec.substr(0, eq), val = rec.substr(eq + 1);
        if (key == "path") {
            e.path = val;
            seen.path = true;
        } else if (key == "linkpath") {
            e.linkname = val;
            seen.link = true;
        } else if (key == "size") {
            auto rr = std::from_chars(val.data(), val.data() + val.size(), e.size);
            if (rr.ec != std::errc()) return fail("tar: bad PAX size '{}'", val);
            seen.size = true;
        } else if (key == "uid" || key == "gid") {
            uint32_t v = 0;
            auto rr = std::from_chars(val.data(), val.data() + val.size(), v);
            if (rr.ec != std::errc()) return fail("tar: bad PAX {} '{}'", key, val);
            (key == "uid" ? e.uid : e.gid) = v;
            (key == "uid" ? seen.uid : seen.gid) = true;
        } else if (key == "mtime") {
            auto t = parse_time(val, e.mtime_sec, e.mtime_nsec);
            if (!t) return t;
            seen.mtime = true;
        } else if (key.starts_with("SCHILY.xattr.")) {
            e.xattrs.emplace_back(std::string(key.substr(13)), std::string(val));
        } else if (key.starts_with("GNU.sparse.")) {
            return fail("tar: sparse files are not supported");
        }
        // Other keys (atime, ctime, uname, gname, comment, charset...) do not matter here.
    }
    return {};
}

}  // namespace

Result<void> TarReader::skip_rest() {
    auto n = drain(body_);
    if (!n) return std::unexpected(std::move(n.error()));
    if (padding_) {
        std::array<std::byte, kBlock> pad;
        auto r = read_exact(in_, std::span(pad).first(padding_));
        if (!r) return fail("tar: truncated archive");
        padding_ = 0;
    }
    return {};
}

Result<std::optional<TarEntry>> TarReader::next() {
    if (ended_) return std::nullopt;
    if (auto r = skip_rest(); !r) return std::unexpected(std::move(r.error()));

    TarEntry e;
    PaxSeen seen;
    for (;;) {
        std::array<char, kBlock> h;
        auto n = read_exact(in_, std::as_writable_bytes(std::span(h)));
        if (!n) {
            return fail("tar: truncated archive (no end-of-archive marker)");
        }
        if (all_zero(h)) {
            // End of archive (a second zero block normally follows; the caller drains the rest).
            ended_ = true;
            return std::nullopt;
        }
        // Checksum: sum of the header bytes with the checksum field as spaces.
        auto stored = field_num(h.data() + 148, 8, "checksum");
        if (!stored) return std::unexpected(stored.error());
        uint64_t sum = 0;
        int64_t ssum = 0;
        for (size_t i = 0; i < kBlock; ++i) {
            unsigned char c = (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
            sum += c;
            ssum += (i >= 148 && i < 156) ? ' ' : static_cast<signed char>(h[i]);
        }
        if (*stored != sum && static_cast<int64_t>(*stored) != ssum) return fail("tar: header checksum mismatch (not a tar archive, or corrupt)");

        char type = h[156];
        auto size = field_num(h.data() + 124, 12, "size");
        if (!size) return std::unexpected(size.error());
        bool ustar = std::memcmp(h.data() + 257, "ustar", 5) == 0;
        bool gnu = std::memcmp(h.data() + 257, "ustar  ", 8) == 0;

        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            if (*size > kMaxMeta) return fail("tar: {} header of {} bytes is too large", type == 'L' || type == 'K' ? "long-name" : "PAX", *size);
            std::string data(*size, '\0');
            if (auto r = read_exact(in_, std::as_writable_bytes(std::span(data))); !r) return fail("tar: truncated archive");
            std::array<std::byte, kBlock> pad;
            if (auto r = read_exact(in_, std::span(pad).first(pad_of(*size))); !r) return fail("tar: truncated archive");
            if (type == 'x') {
                if (auto r = apply_pax(data, e, seen); !r) return std::unexpected(r.error());
            } else if (type == 'g') {
                TarEntry g;  // global headers: validated, not applied (layers do not use them)
                PaxSeen gs;
                if (auto r = apply_pax(data, g, gs); !r) return std::unexpected(r.error());
            } else {
                data.resize(strnlen(data.data(), data.size()));
                (type == 'L' ? e.path : e.linkname) = data;
                (type == 'L' ? seen.path : seen.link) = true;
            }
            continue;
        }

        if (!seen.path) {
            std::string name = field_str(h.data(), 100);
            if (ustar && !gnu) {
                std::string prefix = field_str(h.data() + 345, 155);
                if (!prefix.empty()) name = prefix + "/" + name;
            }
            e.path = name;
        }
        if (!seen.link) e.linkname = field_str(h.data() + 157, 100);
        if (!seen.size) e.size = *size;
        auto mode = field_num(h.data() + 100, 8, "mode");
        if (!mode) return std::unexpected(mode.error());
        e.mode = static_cast<uint32_t>(*mode & 07777);
        if (!seen.uid) {
            auto v = field_num(h.data() + 108, 8, "uid");
            if (!v) return std::unexpected(v.error());
            e.uid = static_cast<uint32_t>(*v);
        }
        if (!seen.gid) {
            auto v = field_num(h.data() + 116, 8, "gid");
            if (!v) return std::unexpected(v.error());
            e.gid = static_cast<uint32_t>(*v);
        }
        if (!seen.mtime) {
            auto v = field_num(h.data() + 136, 12, "mtime");
            if (!v) return std::unexpected(v.error());
            e.mtime_sec = static_cast<int64_t>(*v);
        }
        auto dmaj = field_num(h.data() + 329, 8, "devmajor");
        auto dmin = field_num(h.data() + 337, 8, "devminor");
        if (!dmaj || !dmin) return fail("tar: bad device numbers in entry '{}'", e.path);
        e.devmajor = static_cast<uint32_t>(*dmaj);
        e.devminor = static_cast<uint32_t>(*dmin);

        switch (type) {
            case '0': case '\0': case '7': e.type = TarType::Regular; break;
            case '1': e.type = TarType::HardLink; break;
            case '2': e.type = TarType::Symlink; break;
            case '3': e.type = TarType::CharDev; break;
            case '4': e.type = TarType::BlockDev; break;
            case '5': e.type = TarType::Directory; break;
            case '6': e.type = TarType::Fifo; break;
            case 'S': return fail("tar entry '{}': sparse files are not supported", e.path);
            default: return fail("tar entry '{}': unsupported entry type '{}'", e.path, type);
        }
        // Old tars mark directories by a trailing slash on a regular entry.
        if (e.type == TarType::Regular && !e.path.empty() && e.path.back() == '/') e.type = TarType::Directory;
        // Only regular files (and, in some writers, hard links) carry data; the body source
        // covers it so next() can skip whatever the caller leaves unread.
        uint64_t stored_bytes = (e.type == TarType::Regular || e.type == TarType::HardLink) ? e.size : 0;
        if (e.type == TarType::HardLink) e.size = 0;
        body_ = LimitedSource(in_, stored_bytes);
        padding_ = pad_of(stored_bytes);
        return e;
    }
}

// ---- writer

Result<void> TarWriter::write(const void* p, size_t n) {
    auto c = static_cast<const char*>(p);
    while (n) {
        ssize_t w = ::write(fd_, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return sys_fail("write tar");
        }
        c += w;
        n -= static_cast<size_t>(w);
        written_ += static_cast<uint64_t>(w);
    }
    return {};
}

namespace {

void put_octal(char* p, size_t n, uint64_t v) {
    // n-1 octal digits, NUL terminated.
    std::string s = fmt::format("{:0{}o}", v, n - 1);
    std::memcpy(p, s.data(), std::min(s.size(), n - 1));
    p[n - 1] = '\0';
}

std::string pax_record(std::string_view key, std::string_view value) {
    size_t base = key.size() + value.size() + 3;  // ' ' '=' '\n'
    size_t len = base + std::to_string(base).size();
    if (std::to_string(len).size() + base != len) len = base + std::to_string(len).size();
    return fmt::format("{} {}={}\n", len, key, value);
}

}  // namespace

Result<void> TarWriter::add(const TarEntry& e, ByteSource* body) {
    std::string pax;
    if (e.path.size() > 100) pax += pax_record("path", e.path);
    if (e.linkname.size() > 100) pax += pax_record("linkpath", e.linkname);
    if (e.size > 077777777777ull) pax += pax_record("size", std::to_string(e.size));
    for (auto& [k, v] : e.xattrs) pax += pax_record("SCHILY.xattr." + k, v);

    auto header = [&](char type, std::string_view name, uint64_t size) {
        std::array<char, kBlock> h{};
        std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
        put_octal(h.data() + 100, 8, e.mode & 07777);
        put_octal(h.data() + 108, 8, e.uid & 07777777);
        put_octal(h.data() + 116, 8, e.gid & 07777777);
        put_octal(h.data() + 124, 12, std::min<uint64_t>(size, 077777777777ull));
        put_octal(h.data() + 136, 12, static_cast<uint64_t>(std::max<int64_t>(e.mtime_sec, 0)));
        h[156] = type;
        std::memcpy(h.data() + 157, e.linkname.data(), std::min<size_t>(e.linkname.size(), 100));
        std::memcpy(h.data() + 257, "ustar", 6);
        std::memcpy(h.data() + 263, "00", 2);
        put_octal(h.data() + 329, 8, e.devmajor);
        put_octal(h.data() + 337, 8, e.devminor);
        std::memset(h.data() + 148, ' ', 8);
        unsigned sum = 0;
        for (char c : h) sum += static_cast<unsigned char>(c);
        put_octal(h.data() + 148, 7, sum);
        h[155] = ' ';
        return h;
    };
    if (!pax.empty()) {
        auto h = header('x', "PaxHeader", pax.size());
        if (auto r = write(h.data(), h.size()); !r) return r;
        if (auto r = write(pax.data(), pax.size()); !r) return r;
        std::array<char, kBlock> zero{};
        if (auto r = write(zero.data(), pad_of(pax.size())); !r) return r;
    }
    uint64_t size = (e.type == TarType::Regular || body) ? e.size : 0;
    auto h = header(static_cast<char>(e.type), e.path, size);
    if (auto r = write(h.data(), h.size()); !r) return r;
    if (size) {
        if (!body) return fail("tar: no data for '{}'", e.path);
        std::vector<std::byte> buf(256 * 1024);
        uint64_t left = size;
        while (left) {
            auto n = body->read(std::span(buf).first(std::min<uint64_t>(buf.size(), left)));
            if (!n) return std::unexpected(std::move(n.error()));
            if (*n == 0) return fail("tar: data for '{}' ended {} bytes early", e.path, left);
            if (auto r = write(buf.data(), *n); !r) return r;
            left -= *n;
        }
        std::array<char, kBlock> zero{};
        if (auto r = write(zero.data(), pad_of(size)); !r) return r;
    }
    return {};
}

Result<void> TarWriter::add_file(std::string_view path, std::string_view data, uint32_t mode, int64_t mtime) {
    TarEntry e;
    e.path = path;
    e.type = TarType::Regular;
    e.size = data.size();
    e.mode = mode;
    e.mtime_sec = mtime;
    MemorySource src(data);
    return add(e, &src);
}

Result<void> TarWriter::add_dir(std::string_view path, uint32_t mode, int64_t mtime) {
    TarEntry e;
    e.path = path;
    if (e.path.empty() || e.path.back() != '/') e.path += '/';
    e.type = TarType::Directory;
    e.mode = mode;
    e.mtime_sec = mtime;
    return add(e);
}

Result<void> TarWriter::finish() {
    std::array<char, 2 * kBlock> zero{};
    return write(zero.data(), zero.size());
}

}  // namespace brig::image
