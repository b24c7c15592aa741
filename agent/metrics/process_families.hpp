#pragma once
// Process metrics from /proc, split into pure parsers (tested with canned text) and the reads.
#include <cstdint>
#include <optional>
#include <string_view>

#include "metrics/exposition_writer.hpp"

namespace stx::metrics {

/// The fields of /proc/self/stat the process metrics need (proc(5)).
struct ProcStat {
  std::uint64_t utime_ticks = 0;  ///< field 14
  std::uint64_t stime_ticks = 0;  ///< field 15
  std::uint64_t start_ticks = 0;  ///< field 22: clock ticks after boot
  std::uint64_t vsize_bytes = 0;  ///< field 23
  std::int64_t rss_pages = 0;     ///< field 24
};

/// Parses the one line of /proc/<pid>/stat; nullopt when it is not one.
std::optional<ProcStat> ParseProcStat(std::string_view text);

/// The "btime" (boot time, Unix seconds) line of /proc/stat; nullopt when absent.
std::optional<std::int64_t> ParseBootTime(std::string_view proc_stat);

/// Writes the process_* series of this process (the families client libraries share).
void AddProcessSeries(ExpositionWriter& out);

}  // namespace stx::metrics
