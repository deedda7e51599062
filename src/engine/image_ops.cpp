#include "engine/image_ops.hpp"

#include <algorithm>

#include "engine/image_source.hpp"
#include "image/reference.hpp"

namespace brig::engine {

Result<std::vector<image::SaveItem>> save_items(const image::Store& store, const std::vector<std::string>& names) {
    std::vector<image::SaveItem> items;
    for (const auto& name : names) {
        auto rec = store.find_image(name);
        if (!rec) return fail("No such image: {}", name);
        image::SaveItem it{*rec, {}};
        auto ref = image::parse_reference(name);
        if (ref && !ref->digest && std::ranges::find(rec->names, ref->str()) != rec->names.end())
            it.names.push_back(ref->str());
        else
            it.names = rec->names;
        auto same = std::ranges::find_if(items, [&](const auto& x) { return x.image.id == rec->id; });
        if (same == items.end()) {
            items.push_back(std::move(it));
            continue;
        }
        for (auto& n : it.names)
            if (std::ranges::find(same->names, n) == same->names.end()) same->names.push_back(n);
    }
    return items;
}

Result<ImagePruneReport> prune_images(const image::Store& store, bool all) {
    auto imgs = store.list_images();
    if (!imgs) return std::unexpected(imgs.error());
    auto used = images_in_use(store);
    if (!used) return std::unexpected(used.error());
    ImagePruneReport out;
    for (auto& r : *imgs) {
        if (used->contains(r.id.str()) || (!all && !r.names.empty())) continue;
        auto res = store.remove_image(r.id.str(), true);
        if (!res) return fail("{}", res.error().message);
        out.untagged.insert(out.untagged.end(), res->untagged.begin(), res->untagged.end());
        out.deleted.insert(out.deleted.end(), res->deleted.begin(), res->deleted.end());
    }
    return out;
}

Result<uint64_t> collect_garbage(const image::Store& store) {
    auto keep = layers_in_use(store);
    if (!keep) return std::unexpected(keep.error());
    auto st = store.gc(*keep);
    if (!st) return std::unexpected(st.error());
    return st->bytes_freed;
}

}  // namespace brig::engine
