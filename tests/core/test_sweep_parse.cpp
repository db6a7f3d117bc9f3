// Sweep axis lists ("1,2,4", "1:4096:x2", "256:4096:+256") and the small enum parsers.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/sweep_spec.h"

namespace q4 {
namespace {

using Values = std::vector<std::int64_t>;

Values parseOk(const std::string& text, const std::string& field = "m") {
    auto result = parseIntList(text, field);
    EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error());
    return result.ok() ? result.value() : Values{};
}

std::string parseError(const std::string& text, const std::string& field = "m") {
    auto result = parseIntList(text, field);
    EXPECT_FALSE(result.ok()) << "'" << text << "' should not parse";
    return result.ok() ? std::string() : result.error();
}

TEST(ParseIntList, PlainList) {
    EXPECT_EQ(parseOk("1,2,4"), (Values{1, 2, 4}));
    EXPECT_EQ(parseOk("4096"), (Values{4096}));
    EXPECT_EQ(parseOk(" 16 , 1,\t8 "), (Values{16, 1, 8}));  // order kept, whitespace tolerated
}

TEST(ParseIntList, GeometricRange) {
    const Values v = parseOk("1:4096:x2");
    ASSERT_EQ(v.size(), 13u);
    EXPECT_EQ(v.front(), 1);
    EXPECT_EQ(v[1], 2);
    EXPECT_EQ(v.back(), 4096);
    EXPECT_EQ(parseOk("3:100:x3"), (Values{3, 9, 27, 81}));  // end not hit: stop before passing it
    EXPECT_EQ(parseOk("8:8:x2"), (Values{8}));
}

TEST(ParseIntList, ArithmeticRange) {
    const Values v = parseOk("256:4096:+256");
    ASSERT_EQ(v.size(), 16u);
    EXPECT_EQ(v.front(), 256);
    EXPECT_EQ(v[1], 512);
    EXPECT_EQ(v.back(), 4096);
    EXPECT_EQ(parseOk("1:10:+4"), (Values{1, 5, 9}));
}

TEST(ParseIntList, MixedItemsKeepOrderAndDropDuplicates) {
    EXPECT_EQ(parseOk("1,2,8:64:x2,3"), (Values{1, 2, 8, 16, 32, 64, 3}));
    EXPECT_EQ(parseOk("4, 1:8:x2, 16:32:+8, 8"), (Values{4, 1, 2, 8, 16, 24, 32}));
}

TEST(ParseIntList, RangesNearTheIntegerLimitDoNotOverflow) {
    EXPECT_EQ(parseOk("4611686018427387904:9223372036854775807:x2"), (Values{4611686018427387904}));
    EXPECT_EQ(parseOk("9223372036854775806:9223372036854775807:+5"), (Values{9223372036854775806}));
}

TEST(ParseIntList, RejectsValuesBelowOne) {
    EXPECT_EQ(parseError("0"), "m: '0' must be >= 1");
    EXPECT_EQ(parseError("1,-4", "k"), "k: '-4' must be >= 1");
    EXPECT_NE(parseError("0:8:x2", "n").find("n: range '0:8:x2'"), std::string::npos);
}

TEST(ParseIntList, RejectsTextThatIsNoIntegerOrRange) {
    EXPECT_EQ(parseError("abc", "n"), "n: 'abc' is not an integer or range (use 1,2,4 or 1:4096:x2 or 256:4096:+256)");
    EXPECT_NE(parseError("1.5").find("m: '1.5' is not an integer"), std::string::npos);
    EXPECT_NE(parseError("99999999999999999999").find("m: '99999999999999999999'"), std::string::npos);
    EXPECT_NE(parseError("1:8", "k").find("k: '1:8'"), std::string::npos);      // no step
    EXPECT_NE(parseError("1:8:2", "k").find("k: '1:8:2'"), std::string::npos);  // step without x or +
    EXPECT_NE(parseError("1:8:x", "k").find("k: '1:8:x'"), std::string::npos);
}

TEST(ParseIntList, RejectsBadRanges) {
    EXPECT_EQ(parseError("4:1:x2"), "m: range '4:1:x2' has start 4 greater than end 1");
    EXPECT_EQ(parseError("1:8:x1"), "m: range factor must be >= 2 in '1:8:x1'");
    EXPECT_EQ(parseError("1:8:+0", "n"), "n: range step must be >= 1 in '1:8:+0'");
    const std::string tooMany = parseError("1:1000000:+1", "k");
    EXPECT_NE(tooMany.find("k: "), std::string::npos);
    EXPECT_NE(tooMany.find("100000"), std::string::npos);
    EXPECT_EQ(parseOk("1:100000:+1").size(), 100000u);  // the cap itself is allowed
}

TEST(ParseIntList, RejectsEmptyListsAndItems) {
    const std::string empty = parseError("", "m");
    EXPECT_EQ(empty.rfind("m: empty list", 0), 0u) << empty;
    EXPECT_EQ(parseError("  ", "n").rfind("n: empty list", 0), 0u);
    const std::string trailing = parseError("1,2,", "k");
    EXPECT_EQ(trailing.rfind("k: empty item in '1,2,'", 0), 0u) << trailing;
    EXPECT_EQ(parseError("1,,2", "n").rfind("n: empty item", 0), 0u);
}

TEST(EnumNames, YesNoBothAcceptsNamesAndSynonyms) {
    for (const char* text : {"no", "off", "false", "No", " no "}) EXPECT_EQ(*valueOf<YesNoBoth>(text), YesNoBoth::No) << text;
    for (const char* text : {"yes", "on", "true"}) EXPECT_EQ(*valueOf<YesNoBoth>(text), YesNoBoth::Yes) << text;
    EXPECT_EQ(*valueOf<YesNoBoth>("both"), YesNoBoth::Both);
    EXPECT_FALSE(valueOf<YesNoBoth>("maybe"));
    EXPECT_FALSE(valueOf<YesNoBoth>(""));
    EXPECT_EQ(canonicalNames<YesNoBoth>(), "no, yes or both");
}

TEST(EnumNames, CanonicalNamesRoundTrip) {
    for (YesNoBoth mode : {YesNoBoth::No, YesNoBoth::Yes, YesNoBoth::Both}) EXPECT_EQ(*valueOf<YesNoBoth>(nameOf(mode)), mode);
    for (L2Mode mode : {L2Mode::Cold, L2Mode::Hot, L2Mode::Stream}) EXPECT_EQ(*valueOf<L2Mode>(nameOf(mode)), mode);
    EXPECT_STREQ(nameOf(YesNoBoth::Both), "both");
    EXPECT_STREQ(nameOf(L2Mode::Cold), "cold");
}

TEST(EnumNames, ZeroFormatAcceptsVersionsAndCheckpointNames) {
    EXPECT_EQ(*valueOf<ZeroFormat>("v1"), ZeroFormat::V1);
    EXPECT_EQ(*valueOf<ZeroFormat>("gptq"), ZeroFormat::V1);
    EXPECT_EQ(*valueOf<ZeroFormat>("v2"), ZeroFormat::V2);
    EXPECT_EQ(*valueOf<ZeroFormat>("GPTQ_V2"), ZeroFormat::V2);
    EXPECT_STREQ(nameOf(ZeroFormat::V1), "v1");
    EXPECT_STREQ(nameOf(ZeroFormat::V2), "v2");
    EXPECT_FALSE(valueOf<ZeroFormat>("v3"));
    EXPECT_EQ(canonicalNames<ZeroFormat>(), "v1 or v2");
}

}  // namespace
}  // namespace q4
