#include "metrics/process_families.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace stx::metrics {
namespace {

template <typename Int>
std::optional<Int> ParseInt(std::string_view text) {
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> fields;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = std::min(text.find_first_of(" \n"), text.size());
    fields.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return fields;
}

// A small file of /proc, read whole. These reads do not block on anything but the kernel.
std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<double> OpenFds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  double count = 0;
  // The iterator's own descriptor is counted too, as client_golang's procfs does.
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // Field 2 is the command name in parentheses and may itself contain spaces and ')': the
  // fields after it start after the LAST ')'.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto fields = SplitSpaces(text.substr(close + 1));
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  if (fields.size() < 22) return std::nullopt;
  const auto utime = ParseInt<std::uint64_t>(fields[14 - 3]);
  const auto stime = ParseInt<std::uint64_t>(fields[15 - 3]);
  const auto start = ParseInt<std::uint64_t>(fields[22 - 3]);
  const auto vsize = ParseInt<std::uint64_t>(fields[23 - 3]);
  const auto rss = ParseInt<std::int64_t>(fields[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<std::int64_t> ParseBootTime(std::string_view proc_stat) {
  constexpr std::string_view kKey = "btime ";
  std::size_t pos = 0;
  while (pos < proc_stat.size()) {
    auto end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat.size();
    const std::string_view line = proc_stat.substr(pos, end - pos);
    if (line.starts_with(kKey)) return ParseInt<std::int64_t>(line.substr(kKey.size()));
    pos = end + 1;
  }
  return std::nullopt;
}

void AddProcessSeries(ExpositionWriter& out) {
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  const long page_size = sysconf(_SC_PAGESIZE);
  const auto stat_text = ReadFile("/proc/self/stat");
  const auto stat = stat_text ? ParseProcStat(*stat_text) : std::nullopt;
  if (stat && ticks_per_second > 0) {
    const auto ticks = static_cast<double>(ticks_per_second);
    out.Add(Metric::kProcessCpuSecondsTotal, {},
            static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks);
  }
  if (stat && page_size > 0) {
    out.Add(Metric::kProcessResidentMemoryBytes, {},
            static_cast<double>(stat->rss_pages) * static_cast<double>(page_size));
  }
  if (stat) {
    out.Add(Metric::kProcessVirtualMemoryBytes, {}, static_cast<double>(stat->vsize_bytes));
  }
  if (const auto fds = OpenFds()) out.Add(Metric::kProcessOpenFds, {}, *fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.Add(Metric::kProcessMaxFds, {}, static_cast<double>(limit.rlim_cur));
  }
  const auto system_stat = ReadFile("/proc/stat");
  const auto boot = system_stat ? ParseBootTime(*system_stat) : std::nullopt;
  if (stat && boot && ticks_per_second > 0) {
    out.Add(Metric::kProcessStartTimeSeconds, {},
            static_cast<double>(*boot) +
                static_cast<double>(stat->start_ticks) / static_cast<double>(ticks_per_second));
  }
}

}  // namespace stx::metrics
