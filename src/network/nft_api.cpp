#include "network/nft_api.hpp"

#include <dlfcn.h>

#include <string>

namespace brig::network::nft {

namespace {

Result<Api> load() {
    void* lib = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);  // never closed: used until exit
    if (lib == nullptr) {
        const char* why = ::dlerror();
        return fail("{} is needed for bridge networks (NAT, published ports) but cannot be loaded: {}"
                    " (Debian: apt-get install libnftables1)",
                    kLibrary, why != nullptr ? why : "unknown error");
    }
    Api a{};
    std::string missing;
    auto sym = [&]<class F>(F*& slot, const char* name) {
        slot = reinterpret_cast<F*>(::dlsym(lib, name));
        if (slot == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(name);
    };
    sym(a.ctx_new, "nft_ctx_new");
    sym(a.ctx_free, "nft_ctx_free");
    sym(a.ctx_buffer_output, "nft_ctx_buffer_output");
    sym(a.ctx_buffer_error, "nft_ctx_buffer_error");
    sym(a.ctx_get_output_buffer, "nft_ctx_get_output_buffer");
    sym(a.ctx_get_error_buffer, "nft_ctx_get_error_buffer");
    sym(a.run_cmd_from_buffer, "nft_run_cmd_from_buffer");
    if (!missing.empty()) return fail("{} is too old: it lacks {}", kLibrary, missing);
    return a;
}

}  // namespace

Result<const Api*> api() {
    static const Result<Api> loaded = load();  // once, thread-safe
    if (!loaded) return std::unexpected(loaded.error());
    return &*loaded;
}

}  // namespace brig::network::nft
