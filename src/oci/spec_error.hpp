// How the steps of parsing (parse_steps.hpp) report a problem:
// they throw SpecError, its message prefixed with the JSON path at fault
// ("linux.namespaces[2].type: unknown namespace type \"foo\""). The walks are deep and
// the first problem ends them, so unwinding is simpler than threading Result through
// every reader and rule. The public functions run the steps in guarded(), which returns
// an Error instead; no exception leaves src/oci.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/error.hpp"

namespace brig::oci::detail {

struct SpecError {
    std::string message;
};

// Throws SpecError "path: what" (or just "what" for the document itself).
[[noreturn]] void bad(std::string_view path, std::string_view what);

// A user-supplied string as a JSON string literal, so odd characters show in messages.
std::string quote(std::string_view s);

// JSON paths: "a.b", "a[3]", "a[\"key\"]".
std::string field_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t i);
std::string key_path(std::string_view base, std::string_view key);

// Runs f, turning SpecError (and any stray exception, e.g. from nlohmann) into an Error.
template <class F>
auto guarded(F&& f) -> Result<std::invoke_result_t<F>> {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
            f();
            return {};
        } else {
            return f();
        }
    } catch (const SpecError& e) {
        return fail("{}", e.message);
    } catch (const std::exception& e) {
        return fail("invalid configuration: {}", e.what());
    } catch (...) {
        return fail("invalid configuration: unexpected error");
    }
}

}  // namespace brig::oci::detail
