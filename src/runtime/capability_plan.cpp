#include "runtime/capability_plan.hpp"

namespace brig::runtime {

caps::Sets plan_capabilities(const std::optional<oci::Capabilities>& spec_caps, int last_cap) {
    caps::Sets s;
    if (!spec_caps) return s;
    uint64_t known = last_cap >= 63 ? ~uint64_t{0} : last_cap < 0 ? 0 : (uint64_t{2} << last_cap) - 1;
    const auto& m = spec_caps->masks;
    s.bounding = m.bounding & known;
    s.effective = m.effective & known;
    s.permitted = m.permitted & known;
    s.inheritable = m.inheritable & known;
    s.ambient = m.ambient & known & s.permitted & s.inheritable;
    return s;
}

}  // namespace brig::runtime
