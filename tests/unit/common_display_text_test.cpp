// Bytes from the network made safe to show: valid UTF-8 out, no control character raw.
#include <gtest/gtest.h>

#include <string>

#include "common/display_text.hpp"

namespace stx {
namespace {

struct Utf8Case {
  std::string bytes;
  bool valid;
};

class Utf8Validity : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8Validity, FollowsRfc3629) {
  EXPECT_EQ(IsValidUtf8(GetParam().bytes), GetParam().valid);
  // ValidUtf8 always gives valid UTF-8, and keeps valid input as it is.
  const std::string repaired = ValidUtf8(GetParam().bytes);
  EXPECT_TRUE(IsValidUtf8(repaired));
  if (GetParam().valid) {
    EXPECT_EQ(repaired, GetParam().bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(Common, Utf8Validity,
                         ::testing::Values(Utf8Case{"", true}, Utf8Case{"mx.example", true},
                                           Utf8Case{"b\xC3\xBC"
                                                    "cher.example",
                                                    true},                       // ü
                                           Utf8Case{"\xE2\x82\xAC", true},       // €
                                           Utf8Case{"\xF0\x9F\x93\xA7", true},   // U+1F4E7
                                           Utf8Case{"mx\xE9.evil.test", false},  // Latin-1 é
                                           Utf8Case{"\xFF", false},
                                           Utf8Case{"\x80", false},          // stray continuation
                                           Utf8Case{"\xC0\xAF", false},      // overlong '/'
                                           Utf8Case{"\xE0\x80\xAF", false},  // overlong, 3 bytes
                                           Utf8Case{"\xED\xA0\x80", false},  // surrogate U+D800
                                           Utf8Case{"\xF4\x90\x80\x80", false},  // above U+10FFFF
                                           Utf8Case{"\xE2\x82", false},          // truncated
                                           Utf8Case{"\xC3\x28", false}));        // bad continuation

TEST(DisplayText, KeepsPrintableUtf8AndEscapesEverythingATerminalWouldActOn) {
  EXPECT_EQ(DisplayText("b\xC3\xBC"
                        "cher.example"),
            "b\xC3\xBC"
            "cher.example");
  // ANSI: retitle the window, then a fake line.
  EXPECT_EQ(DisplayText("\x1B]0;pwned\x07\nCOMPLIANT"), "\\x1b]0;pwned\\x07\\x0aCOMPLIANT");
  EXPECT_EQ(DisplayText("\r\x7F"), "\\x0d\\x7f");
  EXPECT_EQ(DisplayText("\xC2\x9B"
                        "2J"),
            "\\xc2\\x9b2J");  // U+009B CSI, a C1 control
  EXPECT_EQ(DisplayText("mx\xE9.evil\xFF"), "mx\\xe9.evil\\xff");
  EXPECT_EQ(DisplayText("a\\b"), "a\\b");
  // Line breaks and tabs where the caller lays text out in lines.
  EXPECT_EQ(DisplayText("a\nb\tc\x1B", "\n\t"), "a\nb\tc\\x1b");
}

TEST(DisplayText, OutputIsAlwaysValidUtf8WithoutControls) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  const std::string shown = DisplayText(every_byte + every_byte);
  EXPECT_TRUE(IsValidUtf8(shown));
  for (std::string_view rest = shown; !rest.empty();) {
    const auto c = DecodeUtf8(rest);
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(IsControl(c->code_point)) << static_cast<unsigned>(c->code_point);
    rest.remove_prefix(c->length);
  }
}

}  // namespace
}  // namespace stx
