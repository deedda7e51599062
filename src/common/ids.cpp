#include "common/ids.hpp"

#include <sys/random.h>

namespace brig {

void random_bytes(void* buf, size_t n) {
    auto* p = static_cast<unsigned char*>(buf);
    size_t got = 0;
    while (got < n) {
        ssize_t r = ::getrandom(p + got, n - got, 0);
        if (r > 0) got += static_cast<size_t>(r);
    }
}

std::string random_hex(size_t bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string raw(bytes, '\0');
    random_bytes(raw.data(), bytes);
    std::string out(2 * bytes, '0');
    for (size_t i = 0; i < bytes; ++i) {
        auto c = static_cast<unsigned char>(raw[i]);
        out[2 * i] = kDigits[c >> 4];
        out[2 * i + 1] = kDigits[c & 15];
    }
    return out;
}

std::string random_alnum(size_t n) {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string out(n, 'a');
    random_bytes(out.data(), n);
    // 256 = 7 * 36 + 4: a slight bias towards a-d, which names do not mind.
    for (char& c : out) c = kChars[static_cast<unsigned char>(c) % 36];
    return out;
}

}  // namespace brig
