#include "api/service.hpp"

#include "common/ids.hpp"

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

bool AttachBroker::pending(const std::string& id) {
    std::lock_guard l(mu_);
    return slots_.contains(id);
}

void AttachBroker::cancel(const std::string& id) {
    {
        std::lock_guard l(mu_);
        slots_.erase(id);
    }
    cv_.notify_all();
}

ExecStatus ExecInstance::status() {
    std::lock_guard l(mu);
    return {id, container_id, config, state == State::Running, exit_code, pid};
}

std::shared_ptr<UniqueFd> ExecInstance::started(pid_t process, UniqueFd tty) {
    std::shared_ptr<UniqueFd> shared;
    {
        std::lock_guard l(mu);
        pid = process;
        if (tty) shared = console = std::make_shared<UniqueFd>(std::move(tty));
    }
    cv.notify_all();
    return shared;
}

void ExecInstance::finish(int code) {
    {
        std::lock_guard l(mu);
        exit_code = code;
        state = State::Exited;
        console.reset();
        finished = std::chrono::steady_clock::now();
    }
    cv.notify_all();
}

std::shared_ptr<ExecInstance> ExecRegistry::create(const std::string& container_id, ExecConfig config) {
    auto inst = std::make_shared<ExecInstance>();
    inst->id = random_hex(32);
    inst->container_id = container_id;
    inst->config = std::move(config);
    auto old = std::chrono::steady_clock::now() - std::chrono::minutes(5);
    std::lock_guard l(mu_);
    std::erase_if(instances_, [&](const auto& kv) {
        std::lock_guard il(kv.second->mu);
        return kv.second->state == ExecInstance::State::Exited && kv.second->finished < old;
    });
    instances_[inst->id] = inst;
    return inst;
}

std::shared_ptr<ExecInstance> ExecRegistry::find(const std::string& id) {
    std::lock_guard l(mu_);
    auto it = instances_.find(id);
    return it == instances_.end() ? nullptr : it->second;
}

Router make_router(Service& s) {
    Router r;
    add_system_routes(r, s);
    add_container_routes(r, s);
    add_stream_routes(r, s);
    add_image_routes(r, s);
    add_container_fs_routes(r, s);
    add_archive_routes(r, s);
    add_network_routes(r, s);
    add_volume_routes(r, s);
    add_exec_routes(r, s);
    add_image_transfer_routes(r, s);
    add_build_routes(r, s);
    // The rest of the Docker API (issue 19's list): known, answered 501 until implemented.
    static const char* const todo[][2] = {
        {"GET", "/events"}, {"GET", "/system/df"},
    };
    for (const auto& t : todo) r.unimplemented(t[0], t[1]);
    return r;
}

}  // namespace brig::api
