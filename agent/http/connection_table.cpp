// The table of open connections: who holds a place, and who gives it up when a newcomer needs
// one. Without Beast: only the bookkeeping of server_core.hpp.
#include <algorithm>
#include <optional>

#include "http/server_core.hpp"

namespace stx::http {
namespace {

// The connection to close for a newcomer from `peer` (every peer when empty): the oldest idle
// connection that never completed a request (a silent or half-sent one: likely no scraper), else
// the keep-alive connection idle the longest. Busy connections are never candidates: closing
// one would drop a response under way.
std::optional<std::uint64_t> Victim(const ServerCore& core, const std::string& peer) {
  std::optional<std::uint64_t> keep_alive;
  std::chrono::steady_clock::time_point keep_alive_since =
      std::chrono::steady_clock::time_point::max();
  for (const auto& [id, slot] : core.live) {  // in accept order: oldest first
    if (slot.busy || (!peer.empty() && slot.peer != peer)) continue;
    if (!slot.served) return id;
    if (slot.idle_since < keep_alive_since) {
      keep_alive = id;
      keep_alive_since = slot.idle_since;
    }
  }
  return keep_alive;
}

bool Evict(ServerCore& core, const std::string& peer) {
  const std::optional<std::uint64_t> victim = Victim(core, peer);
  if (!victim) return false;
  const std::shared_ptr<HttpConnection> connection = core.live.at(*victim).connection.lock();
  // Forgotten now, not when its coroutine ends: the newcomer is counted in its place at once.
  core.Unregister(*victim);
  if (connection) AbortConnection(*connection);
  core.Count(WebCounters::Closed::kEvicted);
  return true;
}

}  // namespace

std::string PeerKey(const asio::ip::address& address) {
  if (address.is_v6()) {
    const asio::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
      return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
    }
    asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return address.to_string();
}

bool MakeRoom(ServerCore& core, const std::string& peer) {
  const auto share = core.per_peer.find(peer);
  if (share != core.per_peer.end() && share->second >= core.options.max_connections_per_peer) {
    if (!Evict(core, peer)) {
      core.Count(WebCounters::Closed::kPeerLimit);
      return false;
    }
  }
  if (core.live.size() >= core.options.max_connections && !Evict(core, "")) {
    core.Count(WebCounters::Closed::kTableFull);
    return false;
  }
  return true;
}

void ServerCore::Unregister(std::uint64_t id) {
  const auto it = live.find(id);
  if (it == live.end()) return;
  const auto share = per_peer.find(it->second.peer);
  if (share != per_peer.end() && --share->second == 0) per_peer.erase(share);
  live.erase(it);
}

void ServerCore::SetBusy(std::uint64_t id, bool busy) {
  const auto it = live.find(id);
  if (it == live.end()) return;
  it->second.busy = busy;
  if (!busy) {
    it->second.served = true;
    it->second.idle_since = std::chrono::steady_clock::now();
  }
}

}  // namespace stx::http
