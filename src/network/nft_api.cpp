#include "network/nft_api.hpp"

#include "common/dynlib.hpp"

namespace brig::network::nft {

namespace {

Result<Api> load() {
    auto lib = DynLib::open(kLibrary, "bridge networks (NAT, published ports)", "libnftables1");
    if (!lib) return std::unexpected(lib.error());
    Api a{};
    auto sym = [&](auto*& slot, const char* name) { lib->bind(slot, name); };
    sym(a.ctx_new, "nft_ctx_new");
    sym(a.ctx_free, "nft_ctx_free");
    sym(a.ctx_buffer_output, "nft_ctx_buffer_output");
    sym(a.ctx_buffer_error, "nft_ctx_buffer_error");
    sym(a.ctx_get_output_buffer, "nft_ctx_get_output_buffer");
    sym(a.ctx_get_error_buffer, "nft_ctx_get_error_buffer");
    sym(a.run_cmd_from_buffer, "nft_run_cmd_from_buffer");
    if (auto r = lib->complete(); !r) return std::unexpected(r.error());
    return a;
}

}  // namespace

Result<const Api*> api() {
    static const Result<Api> loaded = load();  // once, thread-safe
    if (!loaded) return std::unexpected(loaded.error());
    return &*loaded;
}

}  // namespace brig::network::nft
