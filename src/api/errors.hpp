// Engine errors as docker's HTTP answers: the status code from what the message says (the
// engine's messages are docker's texts), and the body {"message": "..."}.
//   "No such container|image|object|volume|network", "not found"   -> 404
//   the predefined networks (create one, remove the default)       -> 403
//   name conflicts ("already in use"), running/not running states,
//   volumes and networks in use, (dis)connecting twice             -> 409
//   invalid values, bad combinations ("invalid", "conflicting"),
//   subnets that overlap or do not fit                             -> 400
//   anything else                                                  -> 500
#pragma once

#include "api/http_types.hpp"
#include "common/error.hpp"

namespace brig::api {

int status_for(const Error& e);
Response error_from(const Error& e);

}  // namespace brig::api
