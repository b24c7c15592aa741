// bench_http: the HTTP side of scripts/bench, one small program instead of a curl per request
// (spawning thousands of processes would load the 2 cores the measured servers run on).
//
//   bench_http probe --server http://127.0.0.1:9115 --module M --targets FILE --concurrency C
//       blackbox_exporter's /probe?module=M&target=T for every line T of FILE, C requests in
//       flight (one kept-alive connection per worker), as Prometheus would issue them.
//   bench_http scrape --url http://127.0.0.1:9725/metrics --count 20 [--gzip] [--save FILE]
//       `count` scrapes one after the other on one connection: latency and size (and the last
//       body, decompressed, in FILE).
//   bench_http lag --url http://127.0.0.1:9725 --until-probes N [--every-ms 10]
//                  [--scrape-every-ms 1000] [--max-seconds 300]
//       GET /-/healthy every `every-ms` while a second connection scrapes /metrics (gzip) every
//       `scrape-every-ms`, until the scrapes' sum of starttls_probes_total reaches N. The
//       exporter serves HTTP on the event loop that runs the probes, so the latency of a
//       trivial request is the loop's lag: probe work and scrape rendering both show in it.
//
// Prints one line of key=value pairs; exit status 0, or 1 when a request failed or the
// target was not reached in time, 2 on bad usage.
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "keepalive_http.hpp"

namespace {

using stx::bench::HttpReply;
using stx::bench::KeepAliveHttpClient;
using stx::bench::ParseUrl;
using stx::bench::Url;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: bench_http probe --server URL --module M --targets FILE [--concurrency 64]\n"
    "       bench_http scrape --url URL [--count 20] [--gzip] [--save FILE]\n"
    "       bench_http lag --url URL --until-probes N [--every-ms 10] [--scrape-every-ms 1000]\n"
    "                      [--max-seconds 300]\n";

[[noreturn]] void Usage(const std::string& why) {
  std::cerr << "bench_http: " << why << "\n" << kUsage;
  std::exit(2);
}

using Flags = std::map<std::string, std::string>;

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) Usage("unexpected argument " + name);
    name.erase(0, 2);
    if (name == "gzip") {
      flags[name] = "1";
    } else if (i + 1 < argc) {
      flags[name] = argv[++i];
    } else {
      Usage("missing value for --" + name);
    }
  }
  return flags;
}

std::string Need(const Flags& flags, const std::string& name) {
  const auto it = flags.find(name);
  if (it == flags.end()) Usage("--" + name + " is required");
  return it->second;
}

long Number(const Flags& flags, const std::string& name, long fallback) {
  const auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  long value = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    Usage("--" + name + " must be a positive integer");
  }
  return value;
}

double Ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

/// The q-quantile (nearest rank) of `values`; 0 for none.
double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

std::string Fixed(double value, int decimals = 3) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

/// Sum of every starttls_probes_total sample in an exposition.
double ProbesTotal(const std::string& exposition) {
  double total = 0;
  std::size_t at = 0;
  constexpr std::string_view kName = "starttls_probes_total{";
  while ((at = exposition.find(kName, at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n') {
      const std::size_t end = exposition.find('\n', at);
      const std::size_t space = exposition.rfind(' ', end);
      total += std::stod(exposition.substr(space + 1, end - space - 1));
    }
    at += kName.size();
  }
  return total;
}

std::string Gunzip(const std::string& compressed) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char chunk[65536];
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip body does not inflate");
  return out;
}

int RunProbe(const Flags& flags) {
  const Url server = ParseUrl(Need(flags, "server"));
  const std::string module = Need(flags, "module");
  const auto concurrency = static_cast<std::size_t>(Number(flags, "concurrency", 64));
  std::vector<std::string> targets;
  std::ifstream file(Need(flags, "targets"));
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) targets.push_back(line);
  }
  if (targets.empty()) Usage("no targets in --targets file");

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> success{0}, failed{0}, errors{0};
  std::mutex mutex;
  std::vector<double> latencies;
  std::string first_error;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < std::min(concurrency, targets.size()); ++w) {
    workers.emplace_back([&] {
      // A /probe waits at most the module's timeout (seconds); 60 s bounds a stuck server.
      KeepAliveHttpClient client(server.host, server.port, std::chrono::seconds(60));
      std::vector<double> mine;
      for (std::size_t i = next++; i < targets.size(); i = next++) {
        try {
          const HttpReply r = client.Get("/probe?module=" + module + "&target=" + targets[i]);
          mine.push_back(Ms(r.latency));
          if (r.status != 200) throw std::runtime_error("HTTP " + std::to_string(r.status));
          (r.body.find("\nprobe_success 1") != std::string::npos ? success : failed)++;
        } catch (const std::exception& e) {
          errors++;
          const std::lock_guard lock(mutex);
          if (first_error.empty()) first_error = targets[i] + ": " + e.what();
        }
      }
      const std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : workers) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "probes=" << targets.size() << " success=" << success << " failed=" << failed
            << " http_errors=" << errors << " wall_seconds=" << Fixed(wall)
            << " latency_median_ms=" << Fixed(Quantile(latencies, 0.5))
            << " latency_max_ms=" << Fixed(Quantile(latencies, 1.0)) << "\n";
  if (errors > 0) std::cerr << "bench_http: first error: " << first_error << "\n";
  return errors > 0 ? 1 : 0;
}

int RunScrape(const Flags& flags) {
  const Url url = ParseUrl(Need(flags, "url"));
  const long count = Number(flags, "count", 20);
  const bool gzip = flags.count("gzip") > 0;
  KeepAliveHttpClient client(url.host, url.port, std::chrono::seconds(30));
  std::vector<double> latencies;
  HttpReply last;
  for (long i = 0; i < count; ++i) {
    last = client.Get(url.target, gzip);
    if (last.status != 200) {
      std::cerr << "bench_http: scrape " << i << ": HTTP " << last.status << "\n";
      return 1;
    }
    latencies.push_back(Ms(last.latency));
  }
  const std::string text = last.content_encoding == "gzip" ? Gunzip(last.body) : last.body;
  if (const auto save = flags.find("save"); save != flags.end()) {
    std::ofstream(save->second, std::ios::binary) << text;
  }
  std::size_t series = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (end > at && text[at] != '#') ++series;
    at = end + 1;
  }
  std::cout << "scrapes=" << count << " bytes=" << last.body.size()
            << " encoding=" << (last.content_encoding.empty() ? "identity" : last.content_encoding)
            << " text_bytes=" << text.size() << " series=" << series
            << " probes_total=" << Fixed(ProbesTotal(text), 0)
            << " first_ms=" << Fixed(latencies.front())
            << " median_ms=" << Fixed(Quantile(latencies, 0.5))
            << " min_ms=" << Fixed(Quantile(latencies, 0.0))
            << " max_ms=" << Fixed(Quantile(latencies, 1.0)) << "\n";
  return 0;
}

int RunLag(const Flags& flags) {
  const Url url = ParseUrl(Need(flags, "url"));
  const double until = static_cast<double>(Number(flags, "until-probes", 1));
  const auto every = std::chrono::milliseconds(Number(flags, "every-ms", 10));
  const auto scrape_every = std::chrono::milliseconds(Number(flags, "scrape-every-ms", 1000));
  const auto deadline = Clock::now() + std::chrono::seconds(Number(flags, "max-seconds", 300));

  struct Sample {
    Clock::time_point start;
    double ms;
  };
  struct Span {
    Clock::time_point start, end;
  };
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};
  std::vector<Span> scrapes;  // written by the scrape thread only, read after join
  std::vector<double> scrape_ms;
  double probes = 0;
  std::string error;
  const auto start = Clock::now();

  std::thread scraper([&] {
    KeepAliveHttpClient client(url.host, url.port, std::chrono::seconds(30));
    try {
      for (auto next = Clock::now(); !done && Clock::now() < deadline; next += scrape_every) {
        std::this_thread::sleep_until(next);
        const auto s = Clock::now();
        const HttpReply r = client.Get("/metrics", true);
        scrapes.push_back({s, Clock::now()});
        scrape_ms.push_back(Ms(r.latency));
        if (r.status != 200) throw std::runtime_error("/metrics: HTTP " + std::to_string(r.status));
        probes = ProbesTotal(r.content_encoding == "gzip" ? Gunzip(r.body) : r.body);
        if (probes >= until) done = true;
      }
    } catch (const std::exception& e) {
      error = e.what();
      failed = true;
    }
    done = true;
  });

  std::vector<Sample> samples;
  KeepAliveHttpClient client(url.host, url.port, std::chrono::seconds(30));
  try {
    for (auto next = Clock::now(); !done;) {
      std::this_thread::sleep_until(next);
      const HttpReply r = client.Get("/-/healthy");
      if (r.status != 200) throw std::runtime_error("/-/healthy: HTTP " + std::to_string(r.status));
      samples.push_back({Clock::now() - r.latency, Ms(r.latency)});
      next = std::max(next + every, Clock::now());  // a slow reply does not cause a burst
    }
  } catch (const std::exception& e) {
    failed = true;
    done = true;
    scraper.join();
    std::cerr << "bench_http: " << e.what() << "\n";
    return 1;
  }
  scraper.join();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();

  // Split the lag by whether a scrape was being served meanwhile: the exporter renders and
  // compresses /metrics on its event loop, so that share of the lag is the scrape's.
  std::vector<double> all, outside, during;
  for (const Sample& s : samples) {
    const auto end = s.start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double, std::milli>(s.ms));
    const bool overlaps = std::any_of(scrapes.begin(), scrapes.end(), [&](const Span& sp) {
      return s.start < sp.end && sp.start < end;
    });
    all.push_back(s.ms);
    (overlaps ? during : outside).push_back(s.ms);
  }
  std::cout << "healthy_requests=" << all.size() << " p50_ms=" << Fixed(Quantile(all, 0.5))
            << " p99_ms=" << Fixed(Quantile(all, 0.99)) << " max_ms=" << Fixed(Quantile(all, 1))
            << " outside_scrapes_p99_ms=" << Fixed(Quantile(outside, 0.99))
            << " outside_scrapes_max_ms=" << Fixed(Quantile(outside, 1))
            << " during_scrapes_max_ms=" << Fixed(Quantile(during, 1))
            << " scrapes=" << scrape_ms.size()
            << " scrape_median_ms=" << Fixed(Quantile(scrape_ms, 0.5))
            << " scrape_max_ms=" << Fixed(Quantile(scrape_ms, 1))
            << " probes_total=" << Fixed(probes, 0) << " wall_seconds=" << Fixed(wall) << "\n";
  if (failed) std::cerr << "bench_http: " << error << "\n";
  if (!failed && probes < until) std::cerr << "bench_http: only " << probes << " probes in time\n";
  return failed || probes < until ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("no mode");
  const std::string mode = argv[1];
  try {
    const Flags flags = ParseFlags(argc, argv);
    if (mode == "probe") return RunProbe(flags);
    if (mode == "scrape") return RunScrape(flags);
    if (mode == "lag") return RunLag(flags);
  } catch (const std::exception& e) {
    std::cerr << "bench_http " << mode << ": " << e.what() << "\n";
    return 1;
  }
  Usage("unknown mode " + mode);
}
