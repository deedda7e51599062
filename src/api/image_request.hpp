// The pure parts of the image transfer routes: what a pull, push or login names, and who.
#pragma once

#include <optional>
#include <string>

#include "api/http_types.hpp"
#include "common/error.hpp"
#include "image/reference.hpp"
#include "image/registry/auth_file.hpp"

namespace brig::api {

// X-Registry-Auth: base64url of {"username","password","serveraddress","identitytoken"} (an
// empty or "{}" header: anonymous). A malformed header is an error naming it.
Result<std::optional<registry::Credentials>> registry_auth(std::string_view header);

// NAME with TAG (a tag, or a digest "sha256:..."; empty: NAME's own, or latest), as
// POST /images/create?fromImage=NAME&tag=TAG and POST /images/NAME/push?tag=TAG give them.
Result<image::Reference> tagged_reference(const std::string& name, const std::string& tag);

// POST /auth's serveraddress -> the registry of a reference ("https://index.docker.io/v1/" and
// "" are docker.io; a scheme and a path are dropped).
std::string registry_of_server_address(std::string address);

// POST /images/prune's filters: dangling=false prunes all unused images. Other keys are refused.
Result<bool> prune_all_images(const Filters& filters);

}  // namespace brig::api
