// libcurl, loaded on first use. Only pull/push/login (and import from a URL) talk HTTP, yet
// linking libcurl pulls ~30 shared libraries (TLS, Kerberos, LDAP, SSH, ...) into every brig
// command's start-up. So brig keeps libcurl's headers (types and constants) but resolves the
// few functions it calls with dlopen("libcurl.so.4") the first time a request is made.
#pragma once

#include <curl/curl.h>

#include "common/error.hpp"

namespace brig::registry::curl {

inline constexpr const char* kLibrary = "libcurl.so.4";

// The functions of libcurl brig calls. The variadic ones keep their C signatures (same ABI).
struct Api {
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL*);
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    CURLM* (*multi_init)();
    CURLMcode (*multi_add_handle)(CURLM*, CURL*);
    CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
    CURLMcode (*multi_cleanup)(CURLM*);
    CURLMcode (*multi_perform)(CURLM*, int*);
    CURLMcode (*multi_poll)(CURLM*, curl_waitfd[], unsigned int, int, int*);
    CURLMsg* (*multi_info_read)(CURLM*, int*);
    const char* (*multi_strerror)(CURLMcode);
};

// The loaded library, with curl_global_init done (once, thread-safe). Fails with a message
// naming libcurl.so.4 when it is missing or lacks a function.
Result<const Api*> api();

}  // namespace brig::registry::curl
