#pragma once
// An EHLO reply as the probe reads it off the wire: the reply up to its final line, and the
// lines the server sent after that final line (each complete reply among them, line by line).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply_reader.hpp"

namespace stx::test {

struct EhloWire {
  smtp::Reply reply;
  std::vector<smtp::ReplyLine> trailing;
};

inline EhloWire ReadEhloWire(const std::string& bytes) {
  EhloWire out;
  smtp::ReplyReader reader;
  std::size_t consumed = reader.Feed(bytes);
  EXPECT_TRUE(reader.Complete()) << bytes;
  out.reply = reader.TakeReply();
  while (consumed < bytes.size()) {
    consumed += reader.Feed(std::string_view(bytes).substr(consumed));
    if (!reader.Complete()) break;
    for (auto& line : reader.TakeReply().lines) out.trailing.push_back(std::move(line));
  }
  return out;
}

}  // namespace stx::test
