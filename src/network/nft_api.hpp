// libnftables, loaded on first use. Only bridge networking writes firewall rules, yet linking
// libnftables pulls jansson, gmp, xtables, nftnl and mnl into every brig command's start-up.
// So brig keeps the library's header (types, constants) and resolves the few functions it
// calls with dlopen("libnftables.so.1") the first time a rule set is applied or listed.
#pragma once

#include <nftables/libnftables.h>

#include "common/error.hpp"

namespace brig::network::nft {

inline constexpr const char* kLibrary = "libnftables.so.1";

struct Api {
    nft_ctx* (*ctx_new)(uint32_t);
    void (*ctx_free)(nft_ctx*);
    int (*ctx_buffer_output)(nft_ctx*);
    int (*ctx_buffer_error)(nft_ctx*);
    const char* (*ctx_get_output_buffer)(nft_ctx*);
    const char* (*ctx_get_error_buffer)(nft_ctx*);
    int (*run_cmd_from_buffer)(nft_ctx*, const char*);
};

// The loaded library (once, thread-safe). Fails with a message naming libnftables.so.1 when it
// is missing or lacks a function.
Result<const Api*> api();

}  // namespace brig::network::nft
