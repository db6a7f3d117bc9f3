// CSV output: column order, RFC 4180 quoting, locale-proof numbers, and reading files back.
#include <gtest/gtest.h>

#include <charconv>
#include <clocale>
#include <cmath>
#include <fstream>
#include <limits>
#include <locale>
#include <sstream>
#include <string>
#include <vector>

#include "io/csv_writer.h"

namespace q4 {
namespace {

std::string tempPath(const std::string& name) { return ::testing::TempDir() + "q4_csv_" + name; }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// A Marlin-like record on an H100 with every optional field measured.
Record measuredRecord() {
    Record r;
    r.runId = "20240611-142233-h100";
    r.index = 7;
    r.backend = "cuda";
    r.device = "NVIDIA H100 80GB HBM3";
    r.kernel = "marlin";
    r.family = "marlin";
    r.path = "m16n8k16.stages4";
    r.layer = "llama2-7b.q_proj";
    r.m = 16;
    r.n = 4096;
    r.k = 4096;
    r.groupSize = 128;
    r.actOrder = true;
    r.symmetric = false;
    r.zeroFormat = ZeroFormat::V2;
    r.l2Mode = L2Mode::Cold;
    r.cudaGraph = true;
    r.streamCopies = 9;
    r.sparsity = Sparsity::Sparse2of4;
    r.pruningError = 0.125;
    r.seed = 1234;
    r.status = RecordStatus::Ok;
    r.time = {200, 2.125e-5, 2.1337e-5, 3.1e-7, 0.01453, 2.08e-5, 2.29e-5, 2.1e-5, 2.17e-5};
    r.relError = 3.0517578125e-4;
    r.bytes = 8617984;
    r.flops = 2.0 * 16 * 4096 * 4096;
    r.gbps = 405.55;
    r.tflops = 25.26;
    r.floorSeconds = 2.6e-6;
    r.fractionOfFloor = 0.1224;
    r.speedupVsBaseline = 3.71;
    r.permuteSeconds = 1.2e-6;
    r.mem = {8388608, 131072, 16384, 16384, 131072, 131072, 65536};
    r.memPeakBytes = r.mem.total();
    r.prepareSeconds = 0.0341;
    r.smClockMhz = 1980;
    r.powerWatts = 312.5;
    r.temperatureC = 54;
    r.energyJoulesPerOp = 6.64e-3;
    r.throttleReasons = 0;
    return r;
}

// A record where nothing optional was measured (CPU backend, no telemetry).
Record bareRecord() {
    Record r;
    r.runId = "20240611-142233-h100";
    r.index = 8;
    r.backend = "cpu";
    r.device = "AMD EPYC 9654";
    r.kernel = "cpu_reference";
    r.family = "reference";
    r.m = 1;
    r.n = 11008;
    r.k = 4096;
    r.seed = 1234;
    r.time = {10, 0.0183, 0.0185, 4e-4, 0.0216, 0.0179, 0.0192, 0.0180, 0.0190};
    r.bytes = 22675456;
    r.flops = 2.0 * 11008 * 4096;
    r.mem.weights = 22544384;
    r.memPeakBytes = 22675456;
    r.prepareSeconds = 0.52;
    return r;
}

// A failure whose message needs every kind of quoting.
Record failedRecord() {
    Record r = bareRecord();
    r.index = 9;
    r.backend = "cuda";
    r.kernel = "exllama_v2";
    r.status = RecordStatus::Error;
    r.message = "launch failed: \"too many resources requested\", grid=(64,1,1)\nretry with fewer stages\r\nlast line";
    r.timedOut = true;
    r.time = {};
    r.relError = std::numeric_limits<double>::infinity();
    return r;
}

void expectSameRecord(const Record& a, const Record& b) {
    EXPECT_EQ(a.runId, b.runId);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.backend, b.backend);
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.kernel, b.kernel);
    EXPECT_EQ(a.family, b.family);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.layer, b.layer);
    EXPECT_EQ(a.m, b.m);
    EXPECT_EQ(a.n, b.n);
    EXPECT_EQ(a.k, b.k);
    EXPECT_EQ(a.groupSize, b.groupSize);
    EXPECT_EQ(a.actOrder, b.actOrder);
    EXPECT_EQ(a.symmetric, b.symmetric);
    EXPECT_EQ(a.zeroFormat, b.zeroFormat);
    EXPECT_EQ(a.l2Mode, b.l2Mode);
    EXPECT_EQ(a.cudaGraph, b.cudaGraph);
    EXPECT_EQ(a.streamCopies, b.streamCopies);
    EXPECT_EQ(a.sparsity, b.sparsity);
    EXPECT_EQ(a.pruningError, b.pruningError);
    EXPECT_EQ(a.seed, b.seed);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.timedOut, b.timedOut);
    EXPECT_EQ(a.time.samples, b.time.samples);
    // Seconds pass through milliseconds, so these may move by an ulp; everything else is exact.
    EXPECT_DOUBLE_EQ(a.time.median, b.time.median);
    EXPECT_DOUBLE_EQ(a.time.mean, b.time.mean);
    EXPECT_DOUBLE_EQ(a.time.stdev, b.time.stdev);
    EXPECT_EQ(a.time.cv, b.time.cv);
    EXPECT_DOUBLE_EQ(a.time.min, b.time.min);
    EXPECT_DOUBLE_EQ(a.time.max, b.time.max);
    EXPECT_DOUBLE_EQ(a.time.p10, b.time.p10);
    EXPECT_DOUBLE_EQ(a.time.p90, b.time.p90);
    EXPECT_EQ(a.relError, b.relError);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.flops, b.flops);
    EXPECT_EQ(a.gbps, b.gbps);
    EXPECT_EQ(a.tflops, b.tflops);
    ASSERT_EQ(a.floorSeconds.has_value(), b.floorSeconds.has_value());
    if (a.floorSeconds) {
        EXPECT_DOUBLE_EQ(*a.floorSeconds, *b.floorSeconds);
    }
    EXPECT_EQ(a.fractionOfFloor, b.fractionOfFloor);
    EXPECT_EQ(a.speedupVsBaseline, b.speedupVsBaseline);
    ASSERT_EQ(a.permuteSeconds.has_value(), b.permuteSeconds.has_value());
    if (a.permuteSeconds) {
        EXPECT_DOUBLE_EQ(*a.permuteSeconds, *b.permuteSeconds);
    }
    EXPECT_EQ(a.memPeakBytes, b.memPeakBytes);
    EXPECT_EQ(a.mem.weights, b.mem.weights);
    EXPECT_EQ(a.mem.scales, b.mem.scales);
    EXPECT_EQ(a.mem.zeros, b.mem.zeros);
    EXPECT_EQ(a.mem.gIdx, b.mem.gIdx);
    EXPECT_EQ(a.mem.activations, b.mem.activations);
    EXPECT_EQ(a.mem.output, b.mem.output);
    EXPECT_EQ(a.mem.workspace, b.mem.workspace);
    EXPECT_DOUBLE_EQ(a.prepareSeconds, b.prepareSeconds);
    EXPECT_EQ(a.smClockMhz, b.smClockMhz);
    EXPECT_EQ(a.powerWatts, b.powerWatts);
    EXPECT_EQ(a.temperatureC, b.temperatureC);
    EXPECT_EQ(a.energyJoulesPerOp, b.energyJoulesPerOp);
    EXPECT_EQ(a.throttleReasons, b.throttleReasons);
}

TEST(RecordStatusNames, RoundTrip) {
    for (RecordStatus s : {RecordStatus::Ok, RecordStatus::Incorrect, RecordStatus::Unsupported, RecordStatus::Error,
                           RecordStatus::Cancelled}) {
        const auto parsed = valueOf<RecordStatus>(nameOf(s));
        ASSERT_TRUE(parsed) << nameOf(s);
        EXPECT_EQ(*parsed, s);
    }
    EXPECT_STREQ(nameOf(RecordStatus::Unsupported), "unsupported");
    EXPECT_FALSE(valueOf<RecordStatus>("OK?"));
    EXPECT_EQ(canonicalNames<RecordStatus>(), "ok, incorrect, unsupported, error or cancelled");
}

TEST(CsvColumns, HeaderOrder) {
    const std::vector<std::string> expected = {
        "run_id", "index", "backend", "device", "kernel", "family", "path", "checkpoint", "layer", "m", "n", "k", "group_size",
        "act_order", "symmetric", "zero_format", "sparsity", "l2_mode", "cuda_graph", "stream_copies", "seed", "status", "message", "timed_out",
        "samples", "time_ms_median", "time_ms_mean", "time_ms_stdev", "time_cv", "time_ms_min", "time_ms_max",
        "time_ms_p10", "time_ms_p90", "rel_error", "pruning_error", "bytes", "flops", "gbps", "tflops", "floor_ms", "fraction_of_floor",
        "speedup_vs_baseline", "permute_ms", "mem_peak_mb", "mem_weights_bytes", "mem_scales_bytes", "mem_zeros_bytes",
        "mem_gidx_bytes", "mem_activations_bytes", "mem_output_bytes", "mem_workspace_bytes", "mem_peak_bytes",
        "prepare_ms", "sm_clock_mhz", "power_w", "temperature_c", "energy_j_per_op", "throttle_reasons"};
    EXPECT_EQ(csvColumns(), expected);

    std::ostringstream header;
    writeCsvHeader(header);
    std::string joined;
    for (const std::string& name : expected) joined += (joined.empty() ? "" : ",") + name;
    EXPECT_EQ(header.str(), joined + "\n");
}

TEST(CsvEscape, QuotesOnlyWhenNeeded) {
    EXPECT_EQ(csvEscape("marlin"), "marlin");
    EXPECT_EQ(csvEscape(""), "");
    EXPECT_EQ(csvEscape("a,b"), "\"a,b\"");
    EXPECT_EQ(csvEscape("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvEscape("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csvEscape("cr\rhere"), "\"cr\rhere\"");
}

TEST(FormatNumber, ShortestRoundTripText) {
    EXPECT_EQ(formatNumber(1.5), "1.5");
    EXPECT_EQ(formatNumber(0.125), "0.125");
    EXPECT_EQ(formatNumber(0.1), "0.1");
    EXPECT_EQ(formatNumber(4096), "4096");
    EXPECT_EQ(formatNumber(std::numeric_limits<double>::quiet_NaN()), "nan");
    EXPECT_EQ(formatNumber(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(formatNumber(-std::numeric_limits<double>::infinity()), "-inf");
    for (double x : {0.1 + 0.2, 1.0 / 3.0, 2.1337e-5, 6.02214076e23, 5e-324}) {
        const std::string text = formatNumber(x);
        double back = 0;
        std::from_chars(text.data(), text.data() + text.size(), back);
        EXPECT_EQ(back, x) << text;
    }
}

TEST(CsvRow, MessageWithCommaQuoteAndNewlineIsQuoted) {
    std::ostringstream row;
    writeCsvRow(row, failedRecord());
    const std::string text = row.str();
    EXPECT_NE(text.find("\"launch failed: \"\"too many resources requested\"\", grid=(64,1,1)\nretry with fewer "
                        "stages\r\nlast line\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(",error,"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');
}

TEST(CsvRow, UnitsAndAbsentOptionals) {
    std::ostringstream row;
    writeCsvRow(row, bareRecord());
    const std::string text = row.str();
    // 0.0183 s median -> 18.3 ms; an absent rel_error/gbps/tflops leaves empty cells.
    EXPECT_NE(text.find(",18.3,"), std::string::npos) << text;
    EXPECT_NE(text.find(",22.675456,22544384,"), std::string::npos) << text;  // mem_peak_mb = bytes / 1e6
    EXPECT_NE(text.find(",false,true,"), std::string::npos) << text;        // act_order, symmetric
    EXPECT_NE(text.find(",ok,,false,"), std::string::npos) << text;         // status, empty message, timed_out
    EXPECT_NE(text.find(",520,,,,,\n"), std::string::npos) << text;         // prepare_ms, absent telemetry
}

TEST(CsvFile, WriteReadRoundTrip) {
    Record incorrect = measuredRecord();
    incorrect.index = 10;
    incorrect.status = RecordStatus::Incorrect;
    incorrect.message = "rel_error 0.41 above tolerance 0.01";
    incorrect.relError = 0.41;
    Record unsupported = bareRecord();
    unsupported.index = 11;
    unsupported.status = RecordStatus::Unsupported;
    unsupported.message = "k=4000 is not a multiple of group size 128";
    unsupported.time = {};

    const std::vector<Record> records = {measuredRecord(), bareRecord(), failedRecord(), incorrect, unsupported};
    const std::string path = tempPath("round_trip.csv");
    ASSERT_TRUE(writeCsvFile(path, records).ok());

    auto read = readCsvFile(path);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_EQ(read->size(), records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        SCOPED_TRACE("record " + std::to_string(i));
        expectSameRecord((*read)[i], records[i]);
    }
    EXPECT_FALSE((*read)[1].relError.has_value());
    EXPECT_FALSE((*read)[1].throttleReasons.has_value());
    EXPECT_TRUE(std::isinf(*(*read)[2].relError));
}

TEST(CsvFile, ReadsColumnsByNameAndIgnoresUnknownOnes) {
    const std::string path = tempPath("by_name.csv");
    // Columns reordered, a column this build does not know, CRLF line ends, pandas-style booleans.
    writeFile(path,
              "notes,k,n,m,kernel,act_order,time_ms_median\r\n"
              "\"hand-made, quoted\",4096,12288,32,marlin,True,0.5\r\n"
              ",8192,8192,1,\"exllama_v2\",false,1.25\r\n");
    auto read = readCsvFile(path);
    ASSERT_TRUE(read.ok()) << read.error();
    ASSERT_EQ(read->size(), 2u);
    EXPECT_EQ((*read)[0].kernel, "marlin");
    EXPECT_EQ((*read)[0].m, 32);
    EXPECT_EQ((*read)[0].n, 12288);
    EXPECT_EQ((*read)[0].k, 4096);
    EXPECT_TRUE((*read)[0].actOrder);
    EXPECT_DOUBLE_EQ((*read)[0].time.median, 0.0005);
    EXPECT_EQ((*read)[1].kernel, "exllama_v2");
    EXPECT_EQ((*read)[1].groupSize, 128);  // absent column keeps the default
}

TEST(CsvFile, ReadErrorsNameTheProblem) {
    const std::string missing = tempPath("missing_k.csv");
    writeFile(missing, "kernel,m,n\nmarlin,1,4096\n");
    auto noK = readCsvFile(missing);
    ASSERT_FALSE(noK.ok());
    EXPECT_NE(noK.error().find("'k'"), std::string::npos) << noK.error();

    const std::string badNumber = tempPath("bad_number.csv");
    writeFile(badNumber, "kernel,m,n,k,time_ms_median\nmarlin,1,4096,4096,0.02\nmarlin,abc,4096,4096,0.02\n");
    auto bad = readCsvFile(badNumber);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("row 3"), std::string::npos) << bad.error();
    EXPECT_NE(bad.error().find("column 'm'"), std::string::npos) << bad.error();
    EXPECT_NE(bad.error().find("'abc'"), std::string::npos) << bad.error();

    const std::string badTime = tempPath("bad_time.csv");
    writeFile(badTime, "kernel,m,n,k,time_ms_median\nmarlin,1,4096,4096,0,02\n");
    auto shortRow = readCsvFile(badTime);
    ASSERT_FALSE(shortRow.ok());
    EXPECT_NE(shortRow.error().find("row 2"), std::string::npos) << shortRow.error();

    const std::string open = tempPath("open_quote.csv");
    writeFile(open, "kernel,m,n,k\n\"marlin,1,4096,4096\n");
    auto unterminated = readCsvFile(open);
    ASSERT_FALSE(unterminated.ok());
    EXPECT_NE(unterminated.error().find("never closed"), std::string::npos) << unterminated.error();

    auto absent = readCsvFile(tempPath("does_not_exist.csv"));
    ASSERT_FALSE(absent.ok());
    EXPECT_NE(absent.error().find("does_not_exist.csv"), std::string::npos);
}

// ---- locale ------------------------------------------------------------------------------

// Decimal comma and '.' thousands grouping, as German or French locales use.
class CommaDecimal : public std::numpunct<char> {
protected:
    char do_decimal_point() const override { return ','; }
    char do_thousands_sep() const override { return '.'; }
    std::string do_grouping() const override { return "\3"; }
};

// Puts a decimal-comma locale in force for C++ streams and, where one is installed, for C too;
// restores both afterwards.
class CommaLocale {
public:
    CommaLocale() : savedCpp_(std::locale()), savedC_(std::setlocale(LC_ALL, nullptr)) {
        for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "fr_FR.utf8"}) {
            try {
                std::locale::global(std::locale(name));  // also sets the C locale
                named_ = name;
                return;
            } catch (const std::runtime_error&) {
            }
        }
        std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
        std::setlocale(LC_ALL, "de_DE.UTF-8");  // takes effect only where installed
    }
    ~CommaLocale() {
        std::locale::global(savedCpp_);
        std::setlocale(LC_ALL, savedC_.c_str());
    }
    const std::string& named() const { return named_; }

private:
    std::locale savedCpp_;
    std::string savedC_;
    std::string named_;
};

TEST(CsvLocale, DecimalPointWhateverTheGlobalLocale) {
    Record r = measuredRecord();
    r.time.median = 0.000125;  // 0.125 ms
    r.bytes = 67108864;
    const std::string path = tempPath("locale.csv");
    {
        CommaLocale locale;
        std::ostringstream probe;  // built after the switch, so it picks up the comma locale
        probe << 1.5;
        ASSERT_EQ(probe.str(), "1,5") << "locale switch did not take effect (" << locale.named() << ")";

        EXPECT_EQ(formatNumber(1.5), "1.5");
        EXPECT_EQ(formatNumber(0.125), "0.125");
        ASSERT_TRUE(writeCsvFile(path, {r}).ok());

        auto read = readCsvFile(path);  // and reading is just as locale-proof
        ASSERT_TRUE(read.ok()) << read.error();
        EXPECT_DOUBLE_EQ(read->front().time.median, 0.000125);
        EXPECT_EQ(read->front().bytes, 67108864);
    }
    const std::string text = readFile(path);
    EXPECT_NE(text.find(",0.125,"), std::string::npos) << text;
    EXPECT_EQ(text.find("0,125"), std::string::npos) << text;
    EXPECT_NE(text.find(",67108864,"), std::string::npos) << text;  // no thousands separators
    EXPECT_EQ(text.find("67.108.864"), std::string::npos) << text;
}

}  // namespace
}  // namespace q4
