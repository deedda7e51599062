#include "image/registry/curl_api.hpp"

#include "common/dynlib.hpp"

namespace brig::registry::curl {

namespace {

Result<Api> load() {
    auto lib = DynLib::open(kLibrary, "talking to registries (pull, push, login, import from a URL)", "libcurl4");
    if (!lib) return std::unexpected(lib.error());
    Api a{};
    auto sym = [&](auto*& slot, const char* name) { lib->bind(slot, name); };
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    sym(a.multi_init, "curl_multi_init");
    sym(a.multi_add_handle, "curl_multi_add_handle");
    sym(a.multi_remove_handle, "curl_multi_remove_handle");
    sym(a.multi_cleanup, "curl_multi_cleanup");
    sym(a.multi_perform, "curl_multi_perform");
    sym(a.multi_poll, "curl_multi_poll");
    sym(a.multi_info_read, "curl_multi_info_read");
    sym(a.multi_strerror, "curl_multi_strerror");
    CURLcode (*global_init)(long) = nullptr;
    sym(global_init, "curl_global_init");
    if (auto r = lib->complete(); !r) return std::unexpected(r.error());
    if (CURLcode rc = global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
        return fail("{}: curl_global_init failed: {}", kLibrary, a.easy_strerror(rc));
    }
    return a;
}

}  // namespace

Result<const Api*> api() {
    static const Result<Api> loaded = load();  // once, thread-safe
    if (!loaded) return std::unexpected(loaded.error());
    return &*loaded;
}

}  // namespace brig::registry::curl
