#include "image/default_image.hpp"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "image/archive.hpp"
#include "image/reference.hpp"

namespace brig::image {

std::string default_image_archive() {
    if (const char* env = std::getenv("BRIG_DEFAULT_IMAGE"); env && *env) return env;
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "busybox-oci.tar";
    std::string exe(buf, static_cast<size_t>(n));
    return exe.substr(0, exe.rfind('/')) + "/busybox-oci.tar";
}

bool is_default_image_ref(std::string_view ref) {
    auto r = parse_reference(ref);
    return r && !r->digest && r->str() == kDefaultImageName;
}

Result<ImageRecord> find_or_load_default(const Store& store, std::string_view ref) {
    auto found = store.find_image(ref);
    if (found || !is_default_image_ref(ref)) return found;
    std::string archive = default_image_archive();
    if (::access(archive.c_str(), R_OK) != 0)
        return fail("No such image: {} (and the embedded default image {} is missing)", ref, archive);
    auto loaded = load_archive(store, archive, Platform::host());
    if (!loaded) return wrap(std::move(loaded), fmt::format("load the default image from {}", archive));
    return store.find_image(ref);
}

}  // namespace brig::image
