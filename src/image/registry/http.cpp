#include "image/registry/http.hpp"

#include "common/strings.hpp"
#include "image/registry/curl_api.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace brig::registry {

namespace {

constexpr long kConnectTimeoutSeconds = 30;
// A transfer that moves less than 1 byte/s for this long is given up (then resumed by the caller).
constexpr long kStallSeconds = 60;

// Collects the headers of each response; a status line starts a new response (redirects, 100).
struct HeaderState {
    HttpResponse* resp = nullptr;
    bool complete = false;  // the final (non-redirect, non-1xx) response's headers are all in
    bool follows = true;

    void line(std::string_view l) {
        if (l.starts_with("HTTP/")) {
            resp->headers.clear();
            complete = false;
            size_t sp = l.find(' ');
            resp->status = sp == std::string_view::npos ? 0 : std::atol(std::string(l.substr(sp + 1, 3)).c_str());
            return;
        }
        std::string_view t = trim(l);
        if (t.empty()) {
            bool redirect = follows && resp->status >= 300 && resp->status < 400 && !resp->header("location").empty();
            if (resp->status >= 200 && !redirect) complete = true;
            return;
        }
        size_t colon = t.find(':');
        if (colon == std::string_view::npos) return;
        resp->headers.emplace_back(to_lower(trim(t.substr(0, colon))), std::string(trim(t.substr(colon + 1))));
    }
};

size_t header_cb(char* data, size_t size, size_t n, void* user) {
    static_cast<HeaderState*>(user)->line(std::string_view(data, size * n));
    return size * n;
}

struct Easy {
    const curl::Api& api;
    CURL* h = nullptr;
    curl_slist* headers = nullptr;
    explicit Easy(const curl::Api& a) : api(a), h(a.easy_init()) {}
    ~Easy() {
        if (h != nullptr) api.easy_cleanup(h);
        if (headers != nullptr) api.slist_free_all(headers);
    }
    Easy(const Easy&) = delete;
    Easy& operator=(const Easy&) = delete;
};

size_t read_cb(char* buf, size_t size, size_t n, void* user) {
    auto* src = static_cast<image::ByteSource*>(user);
    auto r = src->read(std::span<std::byte>(reinterpret_cast<std::byte*>(buf), size * n));
    if (!r) return CURL_READFUNC_ABORT;
    return *r;
}

// Options every request shares.
void setup(Easy& e, const HttpRequest& req, HeaderState& hs) {
    const curl::Api& c = e.api;
    c.easy_setopt(e.h, CURLOPT_URL, req.url.c_str());
    c.easy_setopt(e.h, CURLOPT_FOLLOWLOCATION, 1L);
    c.easy_setopt(e.h, CURLOPT_MAXREDIRS, 10L);
    c.easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(e.h, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    c.easy_setopt(e.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    c.easy_setopt(e.h, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
    c.easy_setopt(e.h, CURLOPT_USERAGENT, "brig/" BRIG_VERSION);
    c.easy_setopt(e.h, CURLOPT_PROTOCOLS_STR, "http,https");
    c.easy_setopt(e.h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (!req.verify_tls) {
        c.easy_setopt(e.h, CURLOPT_SSL_VERIFYPEER, 0L);
        c.easy_setopt(e.h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    // No "Expect: 100-continue" round trip before uploads.
    e.headers = c.slist_append(e.headers, "Expect:");
    for (const auto& h : req.headers) e.headers = c.slist_append(e.headers, h.c_str());
    c.easy_setopt(e.h, CURLOPT_HTTPHEADER, e.headers);
    c.easy_setopt(e.h, CURLOPT_HEADERFUNCTION, header_cb);
    c.easy_setopt(e.h, CURLOPT_HEADERDATA, &hs);

    if (req.method == "HEAD") {
        c.easy_setopt(e.h, CURLOPT_NOBODY, 1L);
    } else if (req.method == "POST" && req.upload == nullptr) {
        c.easy_setopt(e.h, CURLOPT_POST, 1L);
        c.easy_setopt(e.h, CURLOPT_POSTFIELDS, req.body.data());
        c.easy_setopt(e.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else if (req.method != "GET") {
        c.easy_setopt(e.h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
}

struct MemoryBody {
    std::string* out;
    size_t limit;
    bool overflow = false;
};

size_t memory_write_cb(char* data, size_t size, size_t n, void* user) {
    auto* m = static_cast<MemoryBody*>(user);
    if (m->out->size() + size * n > m->limit) {
        m->overflow = true;
        return 0;
    }
    m->out->append(data, size * n);
    return size * n;
}

std::string curl_message(const curl::Api& c, CURLcode code, const char* errbuf) {
    if (errbuf != nullptr && *errbuf != '\0') return std::string(trim(errbuf));
    return c.easy_strerror(code);
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    std::string key = to_lower(name);
    for (const auto& [k, v] : headers) {
        if (k == key) return v;
    }
    return {};
}

std::vector<std::string> HttpResponse::all(std::string_view name) const {
    std::string key = to_lower(name);
    std::vector<std::string> out;
    for (const auto& [k, v] : headers) {
        if (k == key) out.push_back(v);
    }
    return out;
}

Result<HttpResponse> http_request(const HttpRequest& req) {
    auto c = curl::api();
    if (!c) return wrap(std::move(c), fmt::format("{} {}", req.method, req.url));
    Easy e(**c);
    if (e.h == nullptr) return fail("{} {}: curl_easy_init failed", req.method, req.url);
    HttpResponse resp;
    HeaderState hs{&resp};
    setup(e, req, hs);
    char errbuf[CURL_ERROR_SIZE] = {};
    e.api.easy_setopt(e.h, CURLOPT_ERRORBUFFER, errbuf);
    MemoryBody body{&resp.body, req.max_body};
    e.api.easy_setopt(e.h, CURLOPT_WRITEFUNCTION, memory_write_cb);
    e.api.easy_setopt(e.h, CURLOPT_WRITEDATA, &body);

    image::MemorySource mem(req.body);
    if (req.method == "PUT" || req.method == "PATCH" || (req.method == "POST" && req.upload != nullptr)) {
        image::ByteSource* src = req.upload != nullptr ? req.upload : &mem;
        int64_t size = req.upload != nullptr ? req.upload_size : static_cast<int64_t>(req.body.size());
        e.api.easy_setopt(e.h, CURLOPT_UPLOAD, 1L);
        e.api.easy_setopt(e.h, CURLOPT_READFUNCTION, read_cb);
        e.api.easy_setopt(e.h, CURLOPT_READDATA, src);
        if (size >= 0) e.api.easy_setopt(e.h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        e.api.easy_setopt(e.h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }

    CURLcode rc = e.api.easy_perform(e.h);
    if (body.overflow) {
        return fail("{} {}: response larger than {} bytes", req.method, req.url, req.max_body);
    }
    if (rc != CURLE_OK) return fail("{} {}: {}", req.method, req.url, curl_message(e.api, rc, errbuf));
    char* eff = nullptr;
    e.api.easy_getinfo(e.h, CURLINFO_EFFECTIVE_URL, &eff);
    resp.url = eff != nullptr ? eff : req.url;
    long code = 0;
    e.api.easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &code);
    resp.status = code;
    return resp;
}

// ---- streaming GET

struct HttpBodySource::State {
    explicit State(const curl::Api& a) : easy(a) {}
    Easy easy;
    CURLM* multi = nullptr;
    HeaderState hs;
    std::string buffer;  // received, not yet read
    size_t buffer_pos = 0;
    bool done = false;
    CURLcode result = CURLE_OK;
    char errbuf[CURL_ERROR_SIZE] = {};
    uint64_t skip = 0;  // bytes to drop: the server ignored our Range and sent from 0
    const std::atomic<bool>* cancel = nullptr;
    size_t error_body_limit = 64u << 10;

    ~State() {
        if (multi != nullptr) {
            if (easy.h != nullptr) easy.api.multi_remove_handle(multi, easy.h);
            easy.api.multi_cleanup(multi);
        }
    }
};

namespace {

size_t stream_write_cb(char* data, size_t size, size_t n, void* user) {
    auto* st = static_cast<HttpBodySource::State*>(user);
    size_t len = size * n;
    std::string_view chunk(data, len);
    bool ok_status = st->hs.resp->status >= 200 && st->hs.resp->status < 300;
    if (!ok_status) {
        // An error document: keep a bounded amount for the message.
        if (st->buffer.size() < st->error_body_limit) {
            st->buffer.append(chunk.substr(0, st->error_body_limit - st->buffer.size()));
        }
        return len;
    }
    if (st->skip > 0) {
        size_t drop = static_cast<size_t>(std::min<uint64_t>(st->skip, len));
        st->skip -= drop;
        chunk.remove_prefix(drop);
    }
    if (st->buffer_pos == st->buffer.size()) {
        st->buffer.clear();
        st->buffer_pos = 0;
    }
    st->buffer.append(chunk);
    return len;
}

}  // namespace

HttpBodySource::~HttpBodySource() = default;

Result<void> HttpBodySource::pump() {
    State& st = *state_;
    const curl::Api& c = st.easy.api;
    while (!st.done && st.buffer_pos == st.buffer.size()) {
        if (st.cancel != nullptr && st.cancel->load()) return fail("GET {}: cancelled", url_);
        int running = 0;
        CURLMcode mc = c.multi_perform(st.multi, &running);
        if (mc != CURLM_OK) return fail("GET {}: {}", url_, c.multi_strerror(mc));
        if (running == 0) {
            int left = 0;
            while (CURLMsg* msg = c.multi_info_read(st.multi, &left)) {
                if (msg->msg == CURLMSG_DONE) st.result = msg->data.result;
            }
            st.done = true;
            break;
        }
        if (st.buffer_pos < st.buffer.size()) break;
        int numfds = 0;
        mc = c.multi_poll(st.multi, nullptr, 0, 500, &numfds);
        if (mc != CURLM_OK) return fail("GET {}: {}", url_, c.multi_strerror(mc));
    }
    return {};
}

Result<std::unique_ptr<HttpBodySource>> HttpBodySource::open(const HttpRequest& req, uint64_t offset,
                                                             const std::atomic<bool>* cancel) {
    auto api = curl::api();
    if (!api) return wrap(std::move(api), fmt::format("GET {}", req.url));
    const curl::Api& c = **api;
    std::unique_ptr<HttpBodySource> src(new HttpBodySource());
    src->url_ = req.url;
    src->state_ = std::make_unique<State>(c);
    State& st = *src->state_;
    st.cancel = cancel;
    if (st.easy.h == nullptr) return fail("GET {}: curl_easy_init failed", req.url);
    st.hs.resp = &src->response_;
    HttpRequest r = req;
    r.method = "GET";
    if (offset > 0) r.headers.push_back(fmt::format("Range: bytes={}-", offset));
    setup(st.easy, r, st.hs);
    c.easy_setopt(st.easy.h, CURLOPT_ERRORBUFFER, st.errbuf);
    c.easy_setopt(st.easy.h, CURLOPT_WRITEFUNCTION, stream_write_cb);
    c.easy_setopt(st.easy.h, CURLOPT_WRITEDATA, &st);
    st.multi = c.multi_init();
    if (st.multi == nullptr) return fail("GET {}: curl_multi_init failed", req.url);
    c.multi_add_handle(st.multi, st.easy.h);

    // Run until the final response's headers are in (or the transfer ends).
    while (!st.hs.complete && !st.done) {
        if (cancel != nullptr && cancel->load()) return fail("GET {}: cancelled", req.url);
        int running = 0;
        CURLMcode mc = c.multi_perform(st.multi, &running);
        if (mc != CURLM_OK) return fail("GET {}: {}", req.url, c.multi_strerror(mc));
        if (running == 0) {
            int left = 0;
            while (CURLMsg* msg = c.multi_info_read(st.multi, &left)) {
                if (msg->msg == CURLMSG_DONE) st.result = msg->data.result;
            }
            st.done = true;
            break;
        }
        if (st.hs.complete) break;
        int numfds = 0;
        c.multi_poll(st.multi, nullptr, 0, 500, &numfds);
    }
    if (!st.hs.complete) {
        if (st.result != CURLE_OK) return fail("GET {}: {}", req.url, curl_message(c, st.result, st.errbuf));
        return fail("GET {}: no response", req.url);
    }
    long status = src->response_.status;
    if (status < 200 || status >= 300) {
        // Read the (bounded) error document, for the caller's message.
        while (!st.done) {
            st.buffer_pos = st.buffer.size();  // pump() waits for "new" data; we want it all
            auto p = src->pump();
            if (!p) break;
        }
        src->response_.body = std::move(st.buffer);
        st.buffer.clear();
        st.buffer_pos = 0;
        return src;
    }
    if (offset > 0 && status != 206) {
        // Range ignored: the body starts at 0. Drop what is buffered already, then the rest as it comes.
        uint64_t buffered = st.buffer.size() - st.buffer_pos;
        uint64_t drop = std::min<uint64_t>(offset, buffered);
        st.buffer_pos += static_cast<size_t>(drop);
        st.skip = offset - drop;
    } else if (offset > 0) {
        // Content-Range must start where we asked.
        std::string cr = src->response_.header("content-range");
        std::string want = fmt::format("bytes {}-", offset);
        if (!cr.starts_with(want)) return fail("GET {}: asked for bytes from {}, got Content-Range \"{}\"", req.url, offset, cr);
    }
    return src;
}

Result<size_t> HttpBodySource::read(std::span<std::byte> buf) {
    State& st = *state_;
    if (buf.empty()) return size_t{0};
    if (st.buffer_pos == st.buffer.size()) {
        if (auto p = pump(); !p) return std::unexpected(std::move(p.error()));
    }
    if (st.buffer_pos < st.buffer.size()) {
        size_t n = std::min(buf.size(), st.buffer.size() - st.buffer_pos);
        std::memcpy(buf.data(), st.buffer.data() + st.buffer_pos, n);
        st.buffer_pos += n;
        return n;
    }
    // The transfer ended with nothing left to read.
    if (st.result != CURLE_OK) return fail("GET {}: {}", url_, curl_message(st.easy.api, st.result, st.errbuf));
    return size_t{0};
}

}  // namespace brig::registry
