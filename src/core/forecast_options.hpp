// The options of the seasonal forecast (anomaly.seasonal_forecast and
// anomaly.forecast) as a plain struct, their validation, and the calendar
// helpers the options need (event times, timestamps in error messages).
// The jsonb → struct mapping lives in the adapter (src/pg/forecast_options.cpp).
#pragma once

#include "core/no_postgres.hpp"

#include <string>
#include <vector>

namespace anomaly {

// One range of a known event, in UTC seconds since 1970-01-01: the event is on
// for start ≤ t < end. Ranges with the same `name_index` share one regressor.
struct EventRange {
    int name_index;
    double start;
    double end;
};

struct ForecastOptions {
    // Trend: piecewise linear. Candidate changepoints sit on a grid every
    // `changepoint_spacing` days from the first timestamp; a fit uses at most
    // `n_changepoints` of them, evenly chosen among those in the first
    // `changepoint_range` of the history. Their rate changes have Prophet's
    // prior scale (on y / max|y| and time scaled to [0, 1]).
    double changepoint_prior_scale = 0.05;
    int n_changepoints = 25;
    double changepoint_range = 0.8;
    double changepoint_spacing = 7.0;  // days
    // Fourier orders; 0 disables. Weekly is used from 14 days of history on,
    // yearly from 365 days on.
    int weekly_order = 3;
    int yearly_order = 10;
    double seasonality_prior_scale = 10.0;
    double events_prior_scale = 10.0;
    // Multiplicative: the model is fitted to ln(value) (values ≤ 0 are not used).
    bool multiplicative = false;
    double interval_width = 0.9;
    // Window form: the forecast adds a local level, the exponential smoothing
    // (this weight; 0 = off) of the past one-step errors, clipped at the
    // outlier threshold. It follows what the model misses between refits and
    // before a component is in (yearly terms in the first year).
    double level_smoothing = 0.1;
    // Window form: refit every `refit_every` finite rows.
    int refit_every = 7;
    // No forecast while fewer finite values than this precede a row.
    int min_history = 14;
    // Intervals: from the last `interval_history` one-step-ahead errors; none
    // until `kMinIntervalErrors` of them exist.
    int interval_history = 100;
    // Seasonal phases are taken in local time = UTC + utc_offset (seconds).
    double utc_offset = 0.0;
    std::vector<std::string> event_names;
    std::vector<EventRange> events;
};

constexpr int kMinIntervalErrors = 10;

// Throws InvalidParameter naming the option when one is out of its domain.
void validate(const ForecastOptions &options);

// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" (or with 'T'), optionally
// followed by "Z" or an offset "+HH", "+HH:MM", "-HHMM". Without an explicit
// offset the time is local (UTC + utc_offset seconds). Returns UTC seconds since
// 1970-01-01 and sets *date_only when no time of day was given. Throws
// InvalidParameter naming `what` on anything else.
double parse_event_time(const std::string &text, double utc_offset, bool *date_only, const std::string &what);

// Parses a UTC offset: "UTC", "Z", "+HH", "+HH:MM", "-HHMM"; returns seconds.
// Throws InvalidParameter naming the option time_zone.
double parse_utc_offset(const std::string &text);

// Adds one event range to options (start/end as parse_event_time accepts;
// an end given as a date covers that whole day). Throws InvalidParameter.
void add_event(ForecastOptions &options, const std::string &name, const std::string &start, const std::string &end);

// The name_index of the first event whose [start, end) holds t; -1 when none.
int event_at(const std::vector<EventRange> &events, double t);

// "2024-01-31 12:00:00+00" for UTC seconds since 1970 (fractions kept when present).
std::string format_utc_timestamp(double seconds);

}  // namespace anomaly
