// One libcurl transfer run from a backend, in plain C data only.
//
// curl_run() sets the options every transfer of the extension shares
// (CURLOPT_NOSIGNAL, overall and connect timeouts, no redirects, an
// allowed-protocol list, a capped response buffer, a progress callback that
// aborts the transfer when PostgreSQL has a cancel or terminate pending),
// performs it and cleans the handle up. It makes no PostgreSQL call that can
// longjmp and holds no C++ object with a destructor, so a pending interrupt is
// raised by the caller (CHECK_FOR_INTERRUPTS) only after curl_run returned and
// every curl resource is gone.
#pragma once

#include <cstddef>

#include <curl/curl.h>

namespace anomaly_pg {

// Caller-owned response buffer (allocated before the transfer).
struct CurlBuffer {
    char *data;
    std::size_t len;
    std::size_t cap;  // data holds cap bytes; the rest of the response is dropped
};

struct CurlOutcome {
    long status;       // HTTP status / last SMTP reply code; 0 without a response
    bool interrupted;  // aborted because PostgreSQL wants to cancel or terminate
    char error[256];   // curl's error text; empty on success
};

// Extra options of one transfer, set by the caller on the handle before the
// common ones; returns false (with `error` filled) when an option fails.
using CurlSetup = bool (*)(CURL *curl, void *arg, char *error, std::size_t error_len);

// Runs one transfer. `protocols` is a CURLOPT_PROTOCOLS_STR list
// ("http,https"). Never throws, never longjmps.
CurlOutcome curl_run(const char *url, const char *protocols, long timeout_ms, CurlBuffer *response,
                     CurlSetup setup, void *setup_arg) noexcept;

// Appends a NUL-terminated header/recipient to a list; false on out-of-memory
// (the list is left as it was).
bool curl_list_append(curl_slist **list, const char *item) noexcept;

}  // namespace anomaly_pg
