// Reads the statsmodels reference fixtures of test/fixtures/stl (written by
// test/fixtures/gen_stl_fixtures.py). The directory is found from this
// file's own path, so the tests need no build configuration.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace anomaly::testing {

inline std::string stl_fixture_dir() {
    std::string here = __FILE__;
    return here.substr(0, here.find_last_of('/')) + "/../fixtures/stl/";
}

// A CSV file with a header: column name -> cells (strings, as written).
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    std::vector<double> column(const std::string &name) const {
        std::vector<double> out;
        for (std::size_t c = 0; c < header.size(); ++c)
            if (header[c] == name)
                for (const auto &r : rows) out.push_back(std::stod(r[c]));
        return out;
    }
    std::string cell(std::size_t row, const std::string &name) const {
        for (std::size_t c = 0; c < header.size(); ++c)
            if (header[c] == name) return rows[row][c];
        return "";
    }
};

inline std::vector<std::string> split(const std::string &line, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, sep)) out.push_back(cell);
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

inline CsvTable read_csv(const std::string &file) {
    std::ifstream in(stl_fixture_dir() + file);
    CsvTable t;
    if (!in) {
        ADD_FAILURE() << "cannot open fixture " << stl_fixture_dir() + file;
        return t;
    }
    std::string line;
    if (std::getline(in, line)) t.header = split(line, ',');
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto cells = split(line, ',');
        cells.resize(t.header.size());
        t.rows.push_back(cells);
    }
    return t;
}

inline void expect_close(const std::vector<double> &got, const std::vector<double> &want, double tol,
                         const std::string &what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    double worst = 0.0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double d = std::fabs(got[i] - want[i]);
        if (!(d <= worst)) {
            worst = d;
            at = i;
        }
    }
    EXPECT_LE(worst, tol) << what << ": worst |difference| at i=" << at << " (got " << got[at] << ", want "
                          << want[at] << ")";
}

}  // namespace anomaly::testing
