// Errors are values: every fallible operation returns Result<T>, and each layer
// adds what it was doing ("mount proc on /proc: Operation not permitted").
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace brig {

struct Error {
    int errnum = 0;       // errno of the failing system call, 0 if none
    std::string message;  // what was being done, outermost first

    // Prepend context: err.context("create container x") -> "create container x: <message>".
    Error&& context(std::string_view what) && {
        message = fmt::format("{}: {}", what, message);
        return std::move(*this);
    }
    // Full human-readable text, including the errno description if any.
    std::string what() const;
};

template <class T = void>
using Result = std::expected<T, Error>;

// An error without errno.
template <class... Args>
std::unexpected<Error> fail(fmt::format_string<Args...> f, Args&&... args) {
    return std::unexpected(Error{0, fmt::format(f, std::forward<Args>(args)...)});
}

// An error from a failed system call: captures errno now.
template <class... Args>
std::unexpected<Error> sys_fail(fmt::format_string<Args...> f, Args&&... args) {
    int e = errno;
    return std::unexpected(Error{e, fmt::format(f, std::forward<Args>(args)...)});
}

// Same, with an explicit errno value.
template <class... Args>
std::unexpected<Error> errno_fail(int e, fmt::format_string<Args...> f, Args&&... args) {
    return std::unexpected(Error{e, fmt::format(f, std::forward<Args>(args)...)});
}

// Propagates a failed result with context: `if (!r) return wrap(std::move(r), "what");`.
template <class T>
std::unexpected<Error> wrap(Result<T>&& r, std::string_view what) {
    return std::unexpected(std::move(r.error()).context(what));
}

}  // namespace brig
