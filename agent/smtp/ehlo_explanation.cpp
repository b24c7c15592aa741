#include "smtp/ehlo_explanation.hpp"

#include <algorithm>
#include <cctype>

namespace stx::smtp {
namespace {

bool IsStarttlsLine(const ReplyLine& line) {
  std::string keyword(EhloKeyword(line.text));
  for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return keyword == "STARTTLS";
}

// A token that reads as a domain name or address literal rather than an extension keyword:
// keywords are letters, digits and '-' only (RFC 5321 §4.1.1.1 ehlo-keyword).
bool LooksLikeDomain(std::string_view token) {
  return token.find('.') != std::string_view::npos || (!token.empty() && token.front() == '[');
}

}  // namespace

std::vector<std::string> CorrectedEhloReply(const EhloAnalysis& analysis, const Reply& reply,
                                            const std::vector<ReplyLine>& trailing) {
  std::vector<const ReplyLine*> all;
  for (const auto& line : reply.lines) all.push_back(&line);
  for (const auto& line : trailing) all.push_back(&line);
  if (all.empty()) return {};

  // The greeting: the first line whose first token looks like a domain and is not STARTTLS.
  const ReplyLine* greeting = nullptr;
  for (const ReplyLine* line : all) {
    if (!IsStarttlsLine(*line) && LooksLikeDomain(EhloKeyword(line->text))) {
      greeting = line;
      break;
    }
  }
  std::vector<std::string> texts;
  texts.push_back(greeting != nullptr ? greeting->text
                                      : (analysis.greeting.empty() || IsStarttlsLine(*all.front())
                                             ? std::string("mail.example.com")
                                             : analysis.greeting));
  bool has_starttls = false;
  for (const ReplyLine* line : all) {
    if (line == greeting || line->text.empty()) continue;
    if (IsStarttlsLine(*line)) {
      if (has_starttls) continue;
      has_starttls = true;
      // The keyword alone (RFC 3207 §4: STARTTLS takes no parameters). Copying the line would
      // carry over whatever followed the keyword: "STARTTLS\tnow" is escaped for display to
      // "STARTTLS\x09now", which no client reads as STARTTLS.
      texts.push_back("STARTTLS");
      continue;
    }
    if (line == all.front() && greeting == nullptr) {
      continue;  // the original first line was used as the greeting text
    }
    texts.push_back(line->text);
  }
  if (!has_starttls) texts.push_back("STARTTLS");
  std::vector<std::string> out;
  const int code = reply.code == 0 ? 250 : reply.code;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const bool last = i + 1 == texts.size();
    out.push_back(std::to_string(code) + (last ? " " : "-") + EscapeForDisplay(texts[i]));
  }
  return out;
}

std::string ExplainMisordered(const EhloAnalysis& analysis, const Reply& reply,
                              const std::vector<ReplyLine>& trailing) {
  // A reply without lines has nothing to quote (a stored reply that did not parse back).
  if (analysis.ehlo_class != EhloClass::kMisordered || reply.lines.empty()) return {};
  std::string out;
  if (analysis.starttls_line == 1) {
    out +=
        "The server lists STARTTLS on the FIRST line of its EHLO reply:\n"
        "    " +
        EscapeForDisplay(reply.lines.front().raw) +
        "\n"
        "RFC 5321 section 4.1.1.1 (and RFC 1869 section 4.3 before it) defines the first line "
        "of a positive EHLO reply as the greeting: the server's domain name, optionally followed "
        "by text. Service extensions such as STARTTLS are only announced on the lines after "
        "it.\n";
  } else {
    std::size_t final_line = 0;
    for (std::size_t i = 0; i < reply.lines.size(); ++i) {
      if (!reply.lines[i].continued) final_line = i + 1;
    }
    out += "The server ends its EHLO reply on line " + std::to_string(final_line) + ":\n" + "    " +
           EscapeForDisplay(reply.lines.back().raw) + "\n" +
           "and only then sends more lines, STARTTLS among them (line " +
           std::to_string(analysis.starttls_line) +
           "). RFC 5321 section 4.2.1 says a reply ends at the first line whose code is "
           "followed by a space; every earlier line must use \"250-\".\n";
  }
  out +=
      "Standards-following senders (Postfix, Cisco Secure Email / ESA, Go net/smtp, Python "
      "smtplib) therefore never see STARTTLS: they report \"STARTTLS command not supported\" "
      "and deliver in clear text, or defer the mail when their policy requires TLS. Lenient "
      "tools (openssl s_client, testssl.sh) accept the keyword anywhere and report the server "
      "as healthy, which is why this goes unnoticed.\n"
      "A correct reply, with the same lines in RFC order, looks like:\n";
  for (const auto& line : CorrectedEhloReply(analysis, reply, trailing)) {
    out += "    " + line + "\n";
  }
  return out;
}

}  // namespace stx::smtp
