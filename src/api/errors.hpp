// Engine errors as docker's HTTP answers: the status code from what the message says (the
// engine's messages are docker's texts), and the body {"message": "..."}.
//   "No such container|image|object|volume|network", "not found"   -> 404
//   name conflicts ("already in use"), running/not running states  -> 409
//   invalid values, bad combinations ("invalid", "conflicting")    -> 400
//   anything else                                                  -> 500
#pragma once

#include "api/http_types.hpp"
#include "common/error.hpp"

namespace brig::api {

int status_for(const Error& e);
Response error_from(const Error& e);

}  // namespace brig::api
