// anomaly.iforest_score(model bytea, features float8[]) -> float8 and
// anomaly.iforest_merge(model bytea, model bytea) -> bytea.
//
// Scoring many rows with one model must not decode the model per row: the
// checked model is kept in fn_extra (the function's per-query memory) with a
// key that identifies its bytes, and reused while the key matches. A model read
// from a table is usually TOASTed out of line (models are larger than 2 kB):
// its key is the TOAST pointer (relation + value id), compared without
// detoasting. Any other value is keyed by its raw bytes (memcmp).
#include "core/isolation_forest.hpp"
#include "pg/guard.hpp"
#include "pg/iforest_features.hpp"

#include "pg/pg_includes.hpp"

extern "C" {
#include "access/detoast.h"  // VARATT_EXTERNAL_GET_POINTER
}

namespace {

constexpr const char *kScore = "anomaly.iforest_score";
constexpr const char *kMerge = "anomaly.iforest_merge";

struct ModelCache {
    bool external;         // key is a TOAST pointer
    varatt_external toast; // when external
    Size key_len;          // raw varlena bytes otherwise
    char *key;
    bytea *model;          // detoasted and checked
    uint32 n_features;
};

bool same_key(const ModelCache *c, struct varlena *raw) {
    if (VARATT_IS_EXTERNAL_ONDISK(raw)) {
        if (!c->external) return false;
        varatt_external t;
        VARATT_EXTERNAL_GET_POINTER(t, raw);
        return t.va_valueid == c->toast.va_valueid && t.va_toastrelid == c->toast.va_toastrelid &&
               t.va_extinfo == c->toast.va_extinfo && t.va_rawsize == c->toast.va_rawsize;
    }
    if (c->external || VARATT_IS_EXTERNAL(raw)) return false;
    return VARSIZE_ANY(raw) == c->key_len && std::memcmp(raw, c->key, c->key_len) == 0;
}

// The checked model for this call, decoded once per distinct model per query.
const ModelCache *model_arg(FunctionCallInfo fcinfo) {
    struct varlena *raw = reinterpret_cast<struct varlena *>(PG_GETARG_POINTER(0));
    auto *cache = static_cast<ModelCache *>(fcinfo->flinfo->fn_extra);
    if (cache != nullptr && same_key(cache, raw)) return cache;

    MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    if (cache == nullptr) {
        cache = static_cast<ModelCache *>(palloc0(sizeof(ModelCache)));
    } else {
        if (cache->key != nullptr) pfree(cache->key);
        if (cache->model != nullptr) pfree(cache->model);
        cache->key = nullptr;
        cache->model = nullptr;
    }
    // Not valid until the model has passed the check below.
    fcinfo->flinfo->fn_extra = nullptr;
    cache->external = VARATT_IS_EXTERNAL_ONDISK(raw);
    if (cache->external) {
        VARATT_EXTERNAL_GET_POINTER(cache->toast, raw);
        cache->key_len = 0;
    } else if (!VARATT_IS_EXTERNAL(raw)) {
        cache->key_len = VARSIZE_ANY(raw);
        cache->key = static_cast<char *>(palloc_extended(cache->key_len, MCXT_ALLOC_HUGE));
        std::memcpy(cache->key, raw, cache->key_len);
    } else {
        cache->key_len = 0;  // other external forms: never matched, decoded each call
    }
    cache->model = reinterpret_cast<bytea *>(pg_detoast_datum_copy(raw));  // a copy in fn_mcxt
    MemoryContextSwitchTo(old);

    const std::uint8_t *bytes = reinterpret_cast<const std::uint8_t *>(VARDATA(cache->model));
    const std::size_t len = VARSIZE(cache->model) - VARHDRSZ;
    uint32 n_features = 0;
    anomaly_pg::run_core(kScore, [&](anomaly::StopToken &) { n_features = anomaly::iforest_check_model(bytes, len); });
    cache->n_features = n_features;
    if (cache->external || cache->key != nullptr) fcinfo->flinfo->fn_extra = cache;
    return cache;
}


}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(anomaly_iforest_score);
PG_FUNCTION_INFO_V1(anomaly_iforest_merge);

// (model bytea, features float8[]) -> float8, STRICT. NULL when a feature is
// NULL, NaN or ±Infinity; error when the length differs from the model's.
Datum anomaly_iforest_score(PG_FUNCTION_ARGS) {
    const ModelCache *m = model_arg(fcinfo);
    const anomaly_pg::Float8Vector x = anomaly_pg::read_iforest_features(PG_GETARG_ARRAYTYPE_P(1), kScore);
    if (static_cast<uint32>(x.n) != m->n_features)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("%s: the model has %u features, the array has %d elements", kScore, m->n_features,
                               x.n)));
    const std::uint8_t *bytes = reinterpret_cast<const std::uint8_t *>(VARDATA(m->model));
    double s = 0.0;
    anomaly_pg::run_core(kScore, [&](anomaly::StopToken &) { s = anomaly::iforest_score_model(bytes, x.values); });
    pfree(x.values);
    if (std::isnan(s)) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(s);
}

// (model bytea, model bytea) -> bytea, STRICT: a forest of the trees of both.
Datum anomaly_iforest_merge(PG_FUNCTION_ARGS) {
    bytea *a = PG_GETARG_BYTEA_P(0);
    bytea *b = PG_GETARG_BYTEA_P(1);
    const std::uint8_t *abuf = reinterpret_cast<const std::uint8_t *>(VARDATA(a));
    const std::uint8_t *bbuf = reinterpret_cast<const std::uint8_t *>(VARDATA(b));
    const std::size_t alen = VARSIZE(a) - VARHDRSZ, blen = VARSIZE(b) - VARHDRSZ;
    const std::size_t cap = alen + blen;  // the merged model is 16 bytes shorter
    if (cap > MaxAllocSize - VARHDRSZ)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("%s: the merged model would exceed the size limit of a value", kMerge)));
    bytea *out = static_cast<bytea *>(palloc(VARHDRSZ + cap));
    std::uint8_t *obuf = reinterpret_cast<std::uint8_t *>(VARDATA(out));
    std::size_t len = 0;
    anomaly_pg::run_core(kMerge, [&](anomaly::StopToken &) {
        const std::vector<std::uint8_t> merged = anomaly::iforest_serialize(
            anomaly::iforest_merge(anomaly::iforest_deserialize(abuf, alen), anomaly::iforest_deserialize(bbuf, blen)));
        len = merged.size();
        std::memcpy(obuf, merged.data(), len);
    });
    SET_VARSIZE(out, VARHDRSZ + len);
    PG_RETURN_BYTEA_P(out);
}

}  // extern "C"
