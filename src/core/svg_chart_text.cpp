#include "core/svg_chart_text.hpp"

#include "core/errors.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace anomaly {

namespace {

const char *const kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len;
    uint32_t cp;
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        cp = b & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (c & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if (cp == 0xFFFE || cp == 0xFFFF) return 0;  // not XML characters
    return len;
}

int parse_digits(std::string_view s, std::size_t pos, std::size_t count, const char *what, std::string_view text) {
    int v = 0;
    for (std::size_t k = 0; k < count; ++k) {
        const char c = pos + k < s.size() ? s[pos + k] : '\0';
        if (c < '0' || c > '9')
            throw InvalidParameter(std::string(what) + ": \"" + std::string(text) +
                                   "\" is not a time of the form YYYY-MM-DD[ HH:MM[:SS]] without a time zone");
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        switch (c) {
        case '&': out += "&amp;"; ++i; continue;
        case '<': out += "&lt;"; ++i; continue;
        case '>': out += "&gt;"; ++i; continue;
        case '"': out += "&quot;"; ++i; continue;
        case '\'': out += "&apos;"; ++i; continue;
        default: break;
        }
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out += kReplacement;
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence(s, i);
        if (len == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(s.data() + i, len);
            i += len;
        }
    }
    return out;
}

int text_length(std::string_view s) {
    int n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

std::string truncate_text(std::string_view s, int max_chars) {
    if (max_chars < 1) return std::string();
    if (text_length(s) <= max_chars) return std::string(s);
    std::string out;
    int n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool starts = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
        if (starts && ++n > max_chars - 1) break;
        out += s[i];
    }
    return out + "\xE2\x80\xA6";  // …
}

std::string format_number(double x, int decimals) {
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
    if (std::fabs(x) >= 1e15) {  // 1.23e+20: thousands separators stop helping
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific, 2);
        return std::string(buf, res.ptr);
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    char buf[512];
    auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::fixed, decimals);
    std::string digits(buf, res.ptr);
    const std::size_t point = digits.find('.');
    const std::string int_part = digits.substr(0, point);
    const std::string frac = point == std::string::npos ? "" : digits.substr(point);
    std::string grouped;
    for (std::size_t k = 0; k < int_part.size(); ++k) {
        if (k > 0 && (int_part.size() - k) % 3 == 0) grouped += ',';
        grouped += int_part[k];
    }
    std::string out = grouped + frac;
    bool zero = true;
    for (char c : out)
        if (c >= '1' && c <= '9') zero = false;
    return (x < 0 && !zero) ? "-" + out : out;
}

std::string format_coord(double x) {
    double r = std::round(x * 10.0) / 10.0;
    if (r == 0) r = 0;  // no "-0"
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, r, std::chars_format::fixed, 1);
    std::string s(buf, res.ptr);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
}

CivilTime civil_from_seconds(double seconds) {
    CivilTime c;
    const double day_f = std::floor(seconds / 86400.0);
    const auto z0 = static_cast<int64_t>(day_f);
    double rest = seconds - day_f * 86400.0;
    const CivilDate d = civil_from_days(z0);
    c.year = d.year;
    c.month = d.month;
    c.day = d.day;
    c.hour = static_cast<int>(rest / 3600.0);
    rest -= c.hour * 3600.0;
    c.minute = static_cast<int>(rest / 60.0);
    c.second = rest - c.minute * 60.0;
    c.weekday = iso_weekday(z0);
    return c;
}

double seconds_from_civil(int64_t year, int month, int day, int hour, int minute, double second) {
    return static_cast<double>(days_from_civil(year, month, day)) * 86400.0 + hour * 3600.0 + minute * 60.0 + second;
}

double parse_wall_time(std::string_view text, const char *what) {
    std::string_view s = text;
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    auto bad = [&](const std::string &why) {
        throw InvalidParameter(std::string(what) + ": \"" + std::string(text) + "\" " + why);
    };
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') bad("is not a time of the form YYYY-MM-DD[ HH:MM[:SS]] without a time zone");
    const int year = parse_digits(s, 0, 4, what, text);
    const int month = parse_digits(s, 5, 2, what, text);
    const int day = parse_digits(s, 8, 2, what, text);
    int hour = 0, minute = 0;
    double second = 0;
    std::size_t pos = 10;
    if (pos < s.size()) {
        if (s[pos] != ' ' && s[pos] != 'T') bad("is not a time of the form YYYY-MM-DD[ HH:MM[:SS]] without a time zone");
        hour = parse_digits(s, pos + 1, 2, what, text);
        if (pos + 3 >= s.size() || s[pos + 3] != ':') bad("is not a time of the form YYYY-MM-DD[ HH:MM[:SS]] without a time zone");
        minute = parse_digits(s, pos + 4, 2, what, text);
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            second = parse_digits(s, pos + 1, 2, what, text);
            pos += 3;
            if (pos < s.size() && s[pos] == '.') {
                double scale = 0.1;
                ++pos;
                if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') bad("has an empty fraction of a second");
                while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                    second += (s[pos] - '0') * scale;
                    scale /= 10;
                    ++pos;
                }
            }
        }
        if (pos < s.size()) {
            if (s[pos] == 'Z' || s[pos] == '+' || s[pos] == '-')
                bad("has a time zone offset: give wall-clock times (e.g. to_jsonb(ts AT TIME ZONE 'UTC'))");
            bad("is not a time of the form YYYY-MM-DD[ HH:MM[:SS]] without a time zone");
        }
    }
    static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap) || hour > 23 ||
        minute > 59 || second >= 60)
        bad("has a field out of range");
    return seconds_from_civil(year, month, day, hour, minute, second);
}

const char *month_abbrev(int month) {
    static const char *const kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return month >= 1 && month <= 12 ? kNames[month - 1] : "?";
}

std::string format_wall_time(double seconds) {
    const CivilTime c = civil_from_seconds(seconds);
    char buf[64];
    if (c.hour == 0 && c.minute == 0 && c.second < 0.5)
        std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
    else
        std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d", static_cast<long long>(c.year), c.month, c.day,
                      c.hour, c.minute);
    return buf;
}

}  // namespace anomaly
