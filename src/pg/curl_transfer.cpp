#include "pg/curl_transfer.hpp"

#include "pg/guard.hpp"

#include <cstdio>
#include <cstring>

namespace anomaly_pg {

namespace {

bool global_ready = false;

size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata) {
    CurlBuffer *b = static_cast<CurlBuffer *>(userdata);
    size_t n = size * nmemb;
    if (b != nullptr && b->len < b->cap) {
        size_t take = n < b->cap - b->len ? n : b->cap - b->len;
        std::memcpy(b->data + b->len, ptr, take);
        b->len += take;
    }
    return n;  // the rest is dropped, not an error
}

// libcurl calls this at least once a second, more often while data flows;
// a non-zero return aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
int progress(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return cancel_pending() ? 1 : 0; }

void copy_error(CurlOutcome &o, const char *text) {
    std::snprintf(o.error, sizeof o.error, "%s", text != nullptr && *text != '\0' ? text : "transfer failed");
}

}  // namespace

bool curl_list_append(curl_slist **list, const char *item) noexcept {
    curl_slist *next = curl_slist_append(*list, item);
    if (next == nullptr)
        return false;
    *list = next;
    return true;
}

CurlOutcome curl_run(const char *url, const char *protocols, long timeout_ms, CurlBuffer *response,
                     CurlSetup setup, void *setup_arg) noexcept {
    CurlOutcome o;
    o.status = 0;
    o.interrupted = false;
    o.error[0] = '\0';
    if (!global_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            copy_error(o, "curl_global_init failed");
            return o;
        }
        global_ready = true;
    }
    CURL *curl = curl_easy_init();
    if (curl == nullptr) {
        copy_error(o, "curl_easy_init failed");
        return o;
    }
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    bool ok = setup == nullptr || setup(curl, setup_arg, o.error, sizeof o.error);
    if (ok) {
        long connect_ms = timeout_ms < 10000 ? timeout_ms : 10000;
        ok = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_WRITEDATA, response) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress) == CURLE_OK;
        if (!ok)
            copy_error(o, *errbuf != '\0' ? errbuf : "unsupported curl option (URL or protocol)");
    }
    if (ok) {
        CURLcode rc = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &o.status);
        if (rc == CURLE_ABORTED_BY_CALLBACK) {
            o.interrupted = true;
            copy_error(o, "interrupted");
        } else if (rc != CURLE_OK) {
            copy_error(o, *errbuf != '\0' ? errbuf : curl_easy_strerror(rc));
        }
    }
    curl_easy_cleanup(curl);
    return o;
}

}  // namespace anomaly_pg
