#include "smtp/ehlo_classifier.hpp"

#include <algorithm>
#include <cctype>

namespace stx::smtp {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsStarttls(std::string_view text) { return EqualsIgnoreCase(EhloKeyword(text), "STARTTLS"); }

}  // namespace

std::string_view ToString(EhloClass ehlo_class) {
  switch (ehlo_class) {
    case EhloClass::kCompliant:
      return "compliant";
    case EhloClass::kMisordered:
      return "misordered";
    case EhloClass::kNoStarttls:
      return "no_starttls";
    case EhloClass::kError:
      return "error";
  }
  return "error";
}

std::string_view EhloKeyword(std::string_view text) {
  const auto end = text.find_first_of(" \t=");
  return text.substr(0, end);
}

bool LooksLikeMaskedStarttls(std::string_view keyword) {
  return keyword.size() == 8 &&
         std::all_of(keyword.begin(), keyword.begin() + 7, [](char c) { return c == 'X'; });
}

bool LooksLikeMaskedBanner(const Reply& banner) {
  std::size_t stars = 0, visible = 0;
  for (const auto& line : banner.lines) {
    for (const char c : line.text) {
      if (c == ' ') continue;
      ++visible;
      if (c == '*') ++stars;
    }
  }
  return visible >= 8 && stars * 2 > visible;
}

EhloAnalysis ClassifyEhlo(const Reply& reply, const std::vector<ReplyLine>& trailing) {
  EhloAnalysis out;
  if (!reply.Positive() || reply.lines.empty()) {
    out.ehlo_class = EhloClass::kError;
    return out;
  }
  // RFC 5321 §4.1.1.1: ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
  //   / ( "250-" Domain [ SP ehlo-greet ] CRLF *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF )
  // Line 1 is the greeting whatever it says; only lines 2.. carry extension keywords.
  const std::string_view first = reply.lines.front().text;
  out.greeting = std::string(EhloKeyword(first));
  const bool on_greeting_line = IsStarttls(first);

  bool masked = false;
  bool compliant = false;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string_view keyword = EhloKeyword(reply.lines[i].text);
    if (keyword.empty()) continue;
    out.keywords.push_back(Upper(keyword));
    if (EqualsIgnoreCase(keyword, "STARTTLS")) {
      if (!compliant) out.starttls_line = i + 1;
      compliant = true;
    } else if (LooksLikeMaskedStarttls(keyword)) {
      masked = true;
    }
  }

  std::size_t after_final_line = 0;
  for (std::size_t i = 0; i < trailing.size(); ++i) {
    if (IsStarttls(trailing[i].text)) {
      after_final_line = reply.lines.size() + i + 1;
      break;
    }
  }

  out.sees_starttls = ProfilesSeeingStarttls(reply, trailing);
  if (compliant) {
    out.ehlo_class = EhloClass::kCompliant;
  } else if (on_greeting_line || after_final_line) {
    out.ehlo_class = EhloClass::kMisordered;
    out.starttls_line = on_greeting_line ? 1 : after_final_line;
  } else {
    out.ehlo_class = EhloClass::kNoStarttls;
  }

  if (on_greeting_line) {
    out.findings.push_back(
        {FindingCode::kStarttlsOnGreetingLine, "ehlo",
         "STARTTLS is on line 1 of the EHLO reply, which RFC 5321 §4.1.1.1 reserves for the "
         "greeting; strict clients do not read it as an extension"});
  }
  if (after_final_line) {
    out.findings.push_back(
        {FindingCode::kStarttlsAfterFinalLine, "ehlo",
         "STARTTLS arrived on line " + std::to_string(after_final_line) +
             ", after the reply's final line (a line with \"250 \"); strict clients stop "
             "reading at the final line (RFC 5321 §4.2.1)"});
  }
  if (masked && out.ehlo_class == EhloClass::kNoStarttls) {
    out.findings.push_back(
        {FindingCode::kStarttlsMasked, "ehlo",
         "an extension keyword of the form XXXXXXXA replaces STARTTLS: a firewall or SMTP "
         "inspection device on the path probably stripped it"});
  }
  return out;
}

}  // namespace stx::smtp
