// Reading docker-shaped JSON objects field by field (API requests, stored records): absent and
// null fields keep their defaults, unknown fields are ignored, and the first field of the wrong
// type becomes an error naming its path ("HostConfig.Memory: expected a number").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace brig::engine {

class JsonFields {
public:
    // `path` names the object in errors; a nested reader reports to its `parent`.
    JsonFields(const nlohmann::json& j, std::string path, JsonFields* parent = nullptr)
        : j_(j), path_(std::move(path)), root_(parent != nullptr ? parent->root_ : this) {
        if (!j_.is_object() && !j_.is_null()) note(path_ + ": expected an object");
    }
    JsonFields(const JsonFields&) = delete;
    JsonFields& operator=(const JsonFields&) = delete;

    // Reads `key` into `out` when present; false (and the error noted) when of the wrong type.
    template <class T>
    bool read(const char* key, T& out) {
        if (!j_.is_object()) return false;
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return true;
        try {
            T v = it->template get<T>();
            out = std::move(v);
            return true;
        } catch (const nlohmann::json::exception&) {
            note(fmt::format("{}.{}: expected {}", path_, key, kind<T>()));
            return false;
        }
    }
    // The object under `key`, or nullptr when absent or null (another type: an error).
    const nlohmann::json* object(const char* key) {
        if (!j_.is_object()) return nullptr;
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) return nullptr;
        if (!it->is_object()) {
            note(fmt::format("{}.{}: expected an object", path_, key));
            return nullptr;
        }
        return &*it;
    }
    const std::string& path() const { return path_; }
    // The first error noted by this reader or any nested one.
    Result<void> result() const {
        if (root_->error_.empty()) return {};
        return fail("{}", root_->error_);
    }

private:
    template <class T>
    static const char* kind() {
        if constexpr (std::is_same_v<T, bool>) return "a boolean";
        else if constexpr (std::is_arithmetic_v<T>) return "a number";
        else if constexpr (std::is_same_v<T, std::string>) return "a string";
        else if constexpr (requires(T t) { t.push_back(typename T::value_type{}); }) return "an array";
        else return "an object";
    }
    void note(std::string e) {
        if (root_->error_.empty()) root_->error_ = std::move(e);
    }
    const nlohmann::json& j_;
    std::string path_;
    JsonFields* root_;
    std::string error_;
};

}  // namespace brig::engine
