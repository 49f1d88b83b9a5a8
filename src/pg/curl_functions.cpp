// anomaly.curl_http_post(url, body, headers, timeout_ms) and
// anomaly.curl_smtp_send(url, username, password, mail_from, recipients,
// headers, body, timeout_ms): the transport of anomaly.deliver_alerts.
// Both return (status, response, error) instead of raising on a failed
// transfer, so the caller can record it and retry; only bad arguments raise,
// and a pending cancel/terminate aborts the transfer and is raised once the
// curl handle is gone.
#include "pg/curl_transfer.hpp"
#include "pg/guard.hpp"

#include "pg/pg_includes.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
}

namespace {

constexpr std::size_t kResponseCap = 2000;

struct TextList {
    char **items;
    int n;
};

TextList read_text_array(ArrayType *a, const char *function, const char *what) {
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    TextList out{static_cast<char **>(palloc0(sizeof(char *) * (static_cast<Size>(n) + 1))), n};
    for (int i = 0; i < n; i++) {
        if (nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                            errmsg("%s: %s must not contain NULL", function, what)));
        out.items[i] = text_to_cstring(DatumGetTextPP(elems[i]));
    }
    return out;
}

long read_timeout(int32 ms, const char *function) {
    if (ms < 1 || ms > 300000)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: timeout_ms must be between 1 and 300000, not %d", function, ms)));
    return ms;
}

char *read_url(text *t, const char *function) {
    char *url = text_to_cstring(t);
    if (*url == '\0')
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: url must not be empty", function)));
    return url;
}

// Phase 3: raise a held interrupt, else return (status, response, error).
Datum finish(FunctionCallInfo fcinfo, const anomaly_pg::CurlOutcome &o, const anomaly_pg::CurlBuffer &response) {
    if (o.interrupted)
        CHECK_FOR_INTERRUPTS();
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning record called in a context that cannot accept it")));
    desc = BlessTupleDesc(desc);
    Datum values[3];
    bool nulls[3] = {false, false, false};
    values[0] = Int32GetDatum(static_cast<int32>(o.status));
    if (response.len > 0) {
        // The receiver's text, made valid in the database encoding.
        char *r = pnstrdup(response.data, response.len);
        int len = pg_mbcliplen(r, static_cast<int>(response.len), static_cast<int>(response.len));
        if (pg_verifymbstr(r, len, true))
            values[1] = PointerGetDatum(cstring_to_text_with_len(r, len));
        else
            values[1] = CStringGetTextDatum("(response not valid in the database encoding)");
    } else {
        nulls[1] = true;
    }
    if (o.error[0] != '\0')
        values[2] = CStringGetTextDatum(o.error);
    else
        nulls[2] = true;
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

anomaly_pg::CurlBuffer response_buffer() {
    return anomaly_pg::CurlBuffer{static_cast<char *>(palloc(kResponseCap)), 0, kResponseCap};
}

struct HttpArgs {
    const char *body;
    TextList headers;
    curl_slist *list;
};

bool setup_http(CURL *curl, void *arg, char *error, std::size_t error_len) {
    HttpArgs *a = static_cast<HttpArgs *>(arg);
    for (int i = 0; i < a->headers.n; i++)
        if (!anomaly_pg::curl_list_append(&a->list, a->headers.items[i])) {
            strlcpy(error, "out of memory building the headers", error_len);
            return false;
        }
    return curl_easy_setopt(curl, CURLOPT_POST, 1L) == CURLE_OK &&
           curl_easy_setopt(curl, CURLOPT_POSTFIELDS, a->body) == CURLE_OK &&
           curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(strlen(a->body))) == CURLE_OK &&
           curl_easy_setopt(curl, CURLOPT_HTTPHEADER, a->list) == CURLE_OK &&
           curl_easy_setopt(curl, CURLOPT_USERAGENT, "anomaly_detect") == CURLE_OK;
}

struct SmtpArgs {
    const char *username;
    const char *password;
    const char *mail_from;
    const char *body;
    TextList recipients;
    TextList headers;
    bool tls_only;
    curl_slist *rcpt;
    curl_slist *hdrs;
    curl_mime *mime;
};

bool setup_smtp(CURL *curl, void *arg, char *error, std::size_t error_len) {
    SmtpArgs *a = static_cast<SmtpArgs *>(arg);
    for (int i = 0; i < a->recipients.n; i++)
        if (!anomaly_pg::curl_list_append(&a->rcpt, a->recipients.items[i])) {
            strlcpy(error, "out of memory building the recipients", error_len);
            return false;
        }
    for (int i = 0; i < a->headers.n; i++)
        if (!anomaly_pg::curl_list_append(&a->hdrs, a->headers.items[i])) {
            strlcpy(error, "out of memory building the headers", error_len);
            return false;
        }
    // One text/plain part, quoted-printable (lines of any length, any UTF-8).
    a->mime = curl_mime_init(curl);
    curl_mimepart *part = a->mime != nullptr ? curl_mime_addpart(a->mime) : nullptr;
    if (part == nullptr || curl_mime_data(part, a->body, CURL_ZERO_TERMINATED) != CURLE_OK ||
        curl_mime_type(part, "text/plain; charset=utf-8") != CURLE_OK ||
        curl_mime_encoder(part, "quoted-printable") != CURLE_OK) {
        strlcpy(error, "out of memory building the message", error_len);
        return false;
    }
    bool ok = curl_easy_setopt(curl, CURLOPT_MAIL_FROM, a->mail_from) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, a->rcpt) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_HTTPHEADER, a->hdrs) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_MIMEPOST, a->mime) == CURLE_OK &&
              curl_easy_setopt(curl, CURLOPT_USE_SSL, a->tls_only ? static_cast<long>(CURLUSESSL_ALL)
                                                                  : static_cast<long>(CURLUSESSL_TRY)) == CURLE_OK;
    if (ok && *a->username != '\0')
        ok = curl_easy_setopt(curl, CURLOPT_USERNAME, a->username) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_PASSWORD, a->password) == CURLE_OK;
    return ok;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_curl_http_post);
PG_FUNCTION_INFO_V1(anomaly_curl_smtp_send);

Datum anomaly_curl_http_post(PG_FUNCTION_ARGS) {
    constexpr const char *kFunction = "anomaly.curl_http_post";
    // Phase 1: plain buffers.
    const char *url = read_url(PG_GETARG_TEXT_PP(0), kFunction);
    HttpArgs args{text_to_cstring(PG_GETARG_TEXT_PP(1)), read_text_array(PG_GETARG_ARRAYTYPE_P(2), kFunction, "headers"),
                  nullptr};
    long timeout_ms = read_timeout(PG_GETARG_INT32(3), kFunction);
    anomaly_pg::CurlBuffer response = response_buffer();
    // Phase 2: the transfer; no PostgreSQL call that can longjmp.
    anomaly_pg::CurlOutcome o = anomaly_pg::curl_run(url, "http,https", timeout_ms, &response, setup_http, &args);
    curl_slist_free_all(args.list);
    // Phase 3.
    return finish(fcinfo, o, response);
}

Datum anomaly_curl_smtp_send(PG_FUNCTION_ARGS) {
    constexpr const char *kFunction = "anomaly.curl_smtp_send";
    const char *url = read_url(PG_GETARG_TEXT_PP(0), kFunction);
    SmtpArgs args{};
    args.username = text_to_cstring(PG_GETARG_TEXT_PP(1));
    args.password = text_to_cstring(PG_GETARG_TEXT_PP(2));
    args.mail_from = text_to_cstring(PG_GETARG_TEXT_PP(3));
    args.recipients = read_text_array(PG_GETARG_ARRAYTYPE_P(4), kFunction, "recipients");
    args.headers = read_text_array(PG_GETARG_ARRAYTYPE_P(5), kFunction, "headers");
    args.body = text_to_cstring(PG_GETARG_TEXT_PP(6));
    long timeout_ms = read_timeout(PG_GETARG_INT32(7), kFunction);
    if (args.recipients.n == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: recipients must not be empty", kFunction)));
    // Credentials never travel in clear text: with a user name, smtp:// must
    // upgrade with STARTTLS (smtps:// is TLS from the start).
    args.tls_only = *args.username != '\0';
    anomaly_pg::CurlBuffer response = response_buffer();
    anomaly_pg::CurlOutcome o = anomaly_pg::curl_run(url, "smtp,smtps", timeout_ms, &response, setup_smtp, &args);
    curl_mime_free(args.mime);
    curl_slist_free_all(args.rcpt);
    curl_slist_free_all(args.hdrs);
    return finish(fcinfo, o, response);
}

}  // extern "C"
