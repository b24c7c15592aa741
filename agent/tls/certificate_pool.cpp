#include "tls/certificate_pool.hpp"

#include <algorithm>

namespace stx::tls {

SharedOptional<CertificateInfo> CertificatePool::Get(
    std::string_view sha256_fingerprint, const std::function<CertificateInfo()>& describe) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(sha256_fingerprint);
  if (it != entries_.end()) {
    if (auto live = it->second.lock()) return SharedOptional<CertificateInfo>::Shared(live);
  }
  auto described = std::make_shared<const CertificateInfo>(describe());
  if (it != entries_.end()) {
    it->second = described;
  } else {
    if (entries_.size() >= sweep_at_) {
      std::erase_if(entries_, [](const auto& entry) { return entry.second.expired(); });
      // Amortized: the next sweep comes after as many insertions as there are live entries.
      sweep_at_ = std::max<std::size_t>(64, 2 * entries_.size());
    }
    entries_.emplace(std::string(sha256_fingerprint), described);
  }
  return SharedOptional<CertificateInfo>::Shared(std::move(described));
}

std::size_t CertificatePool::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

CertificatePool& CertificatePool::Process() {
  static CertificatePool pool;
  return pool;
}

}  // namespace stx::tls
