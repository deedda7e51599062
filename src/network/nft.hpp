// brig's nftables table. The whole table `inet brig` is rendered from the network records and
// replaced in one nftables transaction on every change, so the rules always match the records
// (after a crash too: the next change rewrites them) and no other table is ever touched.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "network/network.hpp"

namespace brig::network::nft {

inline constexpr const char* kTable = "brig";  // family inet

// The ruleset text for `networks` (pure; unit-tested).
std::string render(const std::vector<NetworkInfo>& networks);
// Replace table inet brig by `rules` (or delete it when `rules` is empty), atomically.
Result<void> apply(const std::string& rules);
// `nft list table inet brig` (empty string if there is none), for tests and diagnostics.
Result<std::string> list();
// Run any nft command text (tests).
Result<std::string> run(const std::string& cmd);

}  // namespace brig::network::nft
