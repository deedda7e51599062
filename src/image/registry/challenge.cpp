#include "image/registry/challenge.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/strings.hpp"

namespace brig::registry {

namespace {

// token characters (RFC 7230 tchar).
bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s) {}
    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    void skip_ws_commas() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
    }
    bool done() const { return i_ >= s_.size(); }
    char peek() const { return done() ? '\0' : s_[i_]; }
    void advance() { ++i_; }
    size_t pos() const { return i_; }
    void seek(size_t p) { i_ = p; }
    std::string_view token() {
        size_t start = i_;
        while (i_ < s_.size() && is_tchar(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }
    Result<std::string> quoted() {
        // At the opening quote.
        ++i_;
        std::string out;
        while (i_ < s_.size()) {
            char c = s_[i_++];
            if (c == '"') return out;
            if (c == '\\' && i_ < s_.size()) c = s_[i_++];
            out.push_back(c);
        }
        return fail("unterminated quoted string");
    }

private:
    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace

Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view header) {
    std::vector<AuthChallenge> out;
    Scanner sc(header);
    sc.skip_ws_commas();
    while (!sc.done()) {
        std::string_view scheme = sc.token();
        if (scheme.empty()) {
            return fail("invalid WWW-Authenticate header \"{}\": expected an auth scheme at offset {}", header,
                        sc.pos());
        }
        AuthChallenge ch;
        ch.scheme = to_lower(scheme);
        sc.skip_ws();
        // Parameters until the next challenge (a token not followed by '=') or the end.
        while (!sc.done()) {
            sc.skip_ws_commas();
            if (sc.done()) break;
            size_t mark = sc.pos();
            std::string_view key = sc.token();
            if (key.empty()) {
                return fail("invalid WWW-Authenticate header \"{}\": unexpected '{}' at offset {}", header,
                            sc.peek(), sc.pos());
            }
            sc.skip_ws();
            if (sc.peek() != '=') {
                sc.seek(mark);  // the scheme of the next challenge
                break;
            }
            sc.advance();
            sc.skip_ws();
            std::string value;
            if (sc.peek() == '"') {
                auto q = sc.quoted();
                if (!q) return wrap(std::move(q), fmt::format("invalid WWW-Authenticate header \"{}\"", header));
                value = std::move(*q);
            } else {
                // Unquoted: a token, leniently anything up to the next ',' or blank (some servers send
                // realm=https://... unquoted).
                while (!sc.done() && sc.peek() != ',' && sc.peek() != ' ' && sc.peek() != '\t') {
                    value.push_back(sc.peek());
                    sc.advance();
                }
            }
            ch.params[to_lower(key)] = std::move(value);
            sc.skip_ws();
            if (!sc.done() && sc.peek() != ',') {
                return fail("invalid WWW-Authenticate header \"{}\": expected ',' at offset {}", header, sc.pos());
            }
        }
        out.push_back(std::move(ch));
        sc.skip_ws_commas();
    }
    if (out.empty()) return fail("empty WWW-Authenticate header");
    return out;
}

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

Result<std::string> token_url(const AuthChallenge& bearer, const std::vector<std::string>& scopes) {
    std::string realm = bearer.param("realm");
    if (realm.empty()) return fail("bearer challenge without a realm");
    if (!realm.starts_with("https://") && !realm.starts_with("http://")) {
        return fail("bearer challenge realm \"{}\" is not an http(s) URL", realm);
    }
    std::string url = realm;
    char sep = realm.find('?') == std::string::npos ? '?' : '&';
    auto add = [&](std::string_view k, std::string_view v) {
        url += sep;
        url += k;
        url += '=';
        url += url_encode(v);
        sep = '&';
    };
    if (auto service = bearer.param("service"); !service.empty()) add("service", service);
    for (const auto& scope : scopes) add("scope", scope);
    return url;
}

std::string base64_encode(std::string_view data) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        uint32_t v = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) | uint8_t(data[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (size_t rem = data.size() - i; rem > 0) {
        uint32_t v = uint32_t(uint8_t(data[i])) << 16;
        if (rem == 2) v |= uint32_t(uint8_t(data[i + 1])) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rem == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Result<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+' || c == '-') return 62;
        if (c == '/' || c == '_') return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return fail("invalid base64: bad length");
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) return fail("invalid base64: unexpected character '{}'", c);
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

}  // namespace brig::registry
