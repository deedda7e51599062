// A shared library opened on first use (dlopen), for the dependencies only a few commands need:
// every `brig` command would otherwise pay the dynamic loader for libcurl's or libnftables' whole
// tree of libraries. Header-only; dlopen/dlsym are in glibc's libc.
#pragma once

#include <dlfcn.h>

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace brig {

class DynLib {
public:
    // Opens `name` (never closed: such libraries keep global state until exit). The error says
    // what needs the library (`needed_for`) and which Debian package ships it.
    static Result<DynLib> open(const char* name, std::string_view needed_for, std::string_view package) {
        void* handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* why = ::dlerror();
            return fail("{} is needed for {} but cannot be loaded: {} (Debian: apt-get install {})", name, needed_for,
                        why != nullptr ? why : "unknown error", package);
        }
        return DynLib(name, handle);
    }

    // Resolves `symbol` into `slot`; a missing one is remembered for complete().
    template <class F>
    void bind(F*& slot, const char* symbol) {
        slot = reinterpret_cast<F*>(::dlsym(handle_, symbol));
        if (slot == nullptr) missing_ += (missing_.empty() ? "" : ", ") + std::string(symbol);
    }

    // Fails naming every symbol bind() did not find.
    Result<void> complete() const {
        if (!missing_.empty()) return fail("{} is too old: it lacks {}", name_, missing_);
        return {};
    }

private:
    DynLib(const char* name, void* handle) : name_(name), handle_(handle) {}
    const char* name_;
    void* handle_;
    std::string missing_;
};

}  // namespace brig
