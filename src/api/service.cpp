#include "api/service.hpp"

namespace brig::api {

void AttachBroker::expect(const std::string& id) {
    std::lock_guard l(mu_);
    slots_[id] = Slot{};
}

bool AttachBroker::expected(const std::string& id) {
    std::lock_guard l(mu_);
    auto it = slots_.find(id);
    return it != slots_.end() && !it->second.delivered;
}

void AttachBroker::deliver(const std::string& id, std::optional<UniqueFd> sock) {
    {
        std::lock_guard l(mu_);
        auto it = slots_.find(id);
        if (it == slots_.end()) return;
        it->second.delivered = true;
        it->second.sock = std::move(sock);
    }
    cv_.notify_all();
}

std::optional<UniqueFd> AttachBroker::await(const std::string& id, std::chrono::milliseconds timeout) {
    std::unique_lock l(mu_);
    cv_.wait_for(l, timeout, [&] {
        auto it = slots_.find(id);
        return it == slots_.end() || it->second.delivered;
    });
    auto it = slots_.find(id);
    if (it == slots_.end() || !it->second.delivered) return std::nullopt;  // a timeout keeps the slot
    auto sock = std::move(it->second.sock);
    slots_.erase(it);
    return sock;
}

bool AttachBroker::pending(const std::string& id) { return expected(id); }

void AttachBroker::cancel(const std::string& id) {
    {
        std::lock_guard l(mu_);
        slots_.erase(id);
    }
    cv_.notify_all();
}

Router make_router(Service& s) {
    Router r;
    add_system_routes(r, s);
    add_container_routes(r, s);
    add_stream_routes(r, s);
    add_image_routes(r, s);
    add_container_fs_routes(r, s);
    add_network_routes(r, s);
    add_volume_routes(r, s);
    // The rest of the Docker API (issue 19's list): known, answered 501 until implemented.
    static const char* const todo[][2] = {
        {"GET", "/events"}, {"GET", "/system/df"}, {"POST", "/auth"},
        {"POST", "/containers/{id}/exec"}, {"POST", "/exec/{id}/start"}, {"GET", "/exec/{id}/json"},
        {"POST", "/exec/{id}/resize"}, {"POST", "/containers/{id}/resize"},
        {"GET", "/containers/{id}/stats"}, {"GET", "/containers/{id}/export"},
        {"GET", "/containers/{id}/archive"}, {"PUT", "/containers/{id}/archive"}, {"HEAD", "/containers/{id}/archive"},
        {"POST", "/images/create"}, {"POST", "/images/{name*}/push"},
        {"POST", "/images/load"},
        {"GET", "/images/{name*}/get"}, {"GET", "/images/get"}, {"POST", "/build"}, {"POST", "/images/prune"},
    };
    for (const auto& t : todo) r.unimplemented(t[0], t[1]);
    return r;
}

}  // namespace brig::api
