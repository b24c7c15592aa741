// Micro-benchmarks of the sans-I/O SMTP layer: the reply reader on realistic
// EHLO replies and the EHLO classifier. Run by scripts/bench; alone:
//   build/bench_reply_parser --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "smtp/ehlo_classifier.hpp"
#include "smtp/reply_reader.hpp"

namespace {

using stx::smtp::ClassifyEhlo;
using stx::smtp::Reply;
using stx::smtp::ReplyReader;

// Postfix 3.7's EHLO reply with its default settings plus STARTTLS: the common case.
constexpr std::string_view kPostfixEhlo =
    "250-mail.example.com\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n";

// The seed article's reply (Cisco ESA "STARTTLS command not supported"): STARTTLS on the
// greeting line, RFC 5321 §4.1.1.1.
constexpr std::string_view kMisorderedEhlo =
    "250-STARTTLS\r\n"
    "250-mail.domain1.com\r\n"
    "250-8BITMIME\r\n"
    "250-PIPELINING\r\n"
    "250-HELP\r\n"
    "250-DELIVERBY 300\r\n"
    "250 SIZE 30000000\r\n";

constexpr std::string_view kNoStarttlsEhlo =
    "250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";

constexpr std::string_view kBanner = "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n";

const std::string_view kReplies[] = {kPostfixEhlo, kMisorderedEhlo, kNoStarttlsEhlo, kBanner};
const char* const kNames[] = {"postfix_ehlo", "misordered_ehlo", "no_starttls_ehlo", "banner"};

Reply Parse(std::string_view wire) {
  ReplyReader reader;
  reader.Feed(wire);
  return reader.TakeReply();
}

// The whole reply in one read, as it arrives on loopback or from a fast server.
void BM_ReplyReaderWhole(benchmark::State& state) {
  const std::string_view wire = kReplies[state.range(0)];
  state.SetLabel(kNames[state.range(0)]);
  ReplyReader reader;
  for (auto _ : state) {
    reader.Reset();
    benchmark::DoNotOptimize(reader.Feed(wire));
    benchmark::DoNotOptimize(reader.reply().lines.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_ReplyReaderWhole)->DenseRange(0, 3);

// One byte per read: a dripping server must cost a constant amount per byte, not per line
// buffered so far.
void BM_ReplyReaderBytewise(benchmark::State& state) {
  const std::string_view wire = kReplies[state.range(0)];
  state.SetLabel(kNames[state.range(0)]);
  ReplyReader reader;
  for (auto _ : state) {
    reader.Reset();
    for (std::size_t i = 0; i < wire.size(); ++i) reader.Feed(wire.substr(i, 1));
    benchmark::DoNotOptimize(reader.reply().lines.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(BM_ReplyReaderBytewise)->Arg(0)->Arg(1);

void BM_ClassifyEhlo(benchmark::State& state) {
  const Reply reply = Parse(kReplies[state.range(0)]);
  state.SetLabel(kNames[state.range(0)]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ClassifyEhlo(reply));
  }
}
BENCHMARK(BM_ClassifyEhlo)->DenseRange(0, 2);

// What the probe does with each EHLO reply: read it, then classify it.
void BM_ReadAndClassify(benchmark::State& state) {
  const std::string_view wire = kReplies[state.range(0)];
  state.SetLabel(kNames[state.range(0)]);
  for (auto _ : state) {
    ReplyReader reader;
    reader.Feed(wire);
    benchmark::DoNotOptimize(ClassifyEhlo(reader.reply()));
  }
}
BENCHMARK(BM_ReadAndClassify)->DenseRange(0, 2);

}  // namespace

BENCHMARK_MAIN();
