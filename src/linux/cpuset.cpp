#include "linux/cpuset.hpp"

#include <charconv>

#include "common/strings.hpp"

namespace brig::cpuset {

namespace {

Result<unsigned> parse_index(std::string_view s, unsigned limit) {
    s = trim(s);
    unsigned v = 0;
    // from_chars takes no sign or whitespace, so "-1", "+1" and "1 2" are all rejected.
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || (ec != std::errc{} && ec != std::errc::result_out_of_range))
        return fail("invalid number \"{}\"", s);
    if (ec == std::errc::result_out_of_range || v >= limit) return fail("{} is out of range (must be below {})", s, limit);
    return v;
}

}  // namespace

Result<std::vector<unsigned>> parse_index_list(std::string_view list, unsigned limit) {
    std::vector<unsigned> out;
    const std::string_view whole = list;
    if (trim(list).empty()) return out;
    for (;;) {
        auto comma = list.find(',');
        auto item = trim(list.substr(0, comma));
        if (item.empty()) return fail("empty element in \"{}\"", whole);
        // Look for the range dash after the first character, so "-1" reads as a bad number.
        auto dash = item.find('-', 1);
        auto lo = parse_index(item.substr(0, dash), limit);
        if (!lo) return std::unexpected(std::move(lo.error()));
        unsigned hi = *lo;
        if (dash != std::string_view::npos) {
            auto h = parse_index(item.substr(dash + 1), limit);
            if (!h) return std::unexpected(std::move(h.error()));
            if (*h < *lo) return fail("invalid range \"{}\": start is above end", item);
            hi = *h;
        }
        for (unsigned i = *lo; i <= hi; ++i) out.push_back(i);
        if (comma == std::string_view::npos) return out;
        list.remove_prefix(comma + 1);
    }
}

Result<cpu_set_t> parse_cpu_list(std::string_view list) {
    auto cpus = parse_index_list(list, CPU_SETSIZE);
    if (!cpus) return wrap(std::move(cpus), fmt::format("cpu list \"{}\"", list));
    if (cpus->empty()) return fail("cpu list \"{}\": no CPUs", list);
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c : *cpus) CPU_SET(c, &set);
    return set;
}

Result<void> apply_cpu_affinity(std::string_view list, std::string_view what) {
    auto set = parse_cpu_list(list);
    if (!set) return wrap(std::move(set), what);
    if (::sched_setaffinity(0, sizeof(*set), &*set) < 0) return sys_fail("{}: set CPU affinity to \"{}\"", what, list);
    return {};
}

}  // namespace brig::cpuset
