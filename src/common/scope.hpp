// ScopeGuard: runs a cleanup on scope exit unless dismissed. Used to undo the
// pieces of a failed create (state dir, cgroups, mounts) so nothing is left half-made.
#pragma once

#include <utility>

namespace brig {

template <class F>
class ScopeGuard {
public:
    explicit ScopeGuard(F f) : f_(std::move(f)) {}
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    ~ScopeGuard() {
        if (armed_) f_();
    }
    void dismiss() noexcept { armed_ = false; }

private:
    F f_;
    bool armed_ = true;
};

}  // namespace brig
