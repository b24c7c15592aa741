// One certificate description per distinct certificate among live results: shared
// while anyone holds it, described again once nobody does, and never changed for one holder by
// another's write.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tls/certificate_pool.hpp"

namespace stx::tls {
namespace {

struct CountingDescriber {
  int calls = 0;
  std::string subject;
  CertificateInfo operator()() {
    ++calls;
    CertificateInfo info;
    info.subject = subject;
    info.dns_names = {"mx.partner.example"};
    info.not_after = 1'800'000'000;
    return info;
  }
};

TEST(CertificatePool, TheSameCertificateIsDescribedOnceAndShared) {
  CertificatePool pool;
  CountingDescriber describe{0, "CN=mx.partner.example"};
  const auto describer = [&describe] { return describe(); };
  const SharedOptional<CertificateInfo> a = pool.Get("aa11", describer);
  const SharedOptional<CertificateInfo> b = pool.Get("aa11", describer);
  EXPECT_EQ(describe.calls, 1);
  EXPECT_TRUE(a.SharesWith(b));
  EXPECT_EQ(b->subject, "CN=mx.partner.example");
  EXPECT_EQ(b->not_after, 1'800'000'000);

  const SharedOptional<CertificateInfo> other = pool.Get("bb22", describer);
  EXPECT_EQ(describe.calls, 2);
  EXPECT_FALSE(other.SharesWith(a));
}

TEST(CertificatePool, HoldsNothingAliveItself) {
  CertificatePool pool;
  CountingDescriber describe{0, "CN=a"};
  const auto describer = [&describe] { return describe(); };
  { const auto held = pool.Get("aa11", describer); }
  const auto again = pool.Get("aa11", describer);
  EXPECT_EQ(describe.calls, 2);  // the first description went with its last holder
  EXPECT_EQ(again->subject, "CN=a");
}

TEST(CertificatePool, AWriteChangesOnlyTheWritersCopy) {
  CertificatePool pool;
  CountingDescriber describe{0, "CN=original"};
  const auto describer = [&describe] { return describe(); };
  SharedOptional<CertificateInfo> a = pool.Get("aa11", describer);
  const SharedOptional<CertificateInfo> b = a;
  a->subject = "CN=changed";  // copy on write
  EXPECT_EQ(a->subject, "CN=changed");
  EXPECT_EQ(b->subject, "CN=original");
  EXPECT_FALSE(a.SharesWith(b));

  // The only holder of a pooled description writes too: the pool's is not changed.
  SharedOptional<CertificateInfo> only = pool.Get("cc33", describer);
  only->subject = "CN=mine";
  const SharedOptional<CertificateInfo> later = pool.Get("cc33", describer);
  EXPECT_EQ(later->subject, "CN=original");
  EXPECT_EQ(only->subject, "CN=mine");
}

TEST(CertificatePool, ForgetsCertificatesNobodyHolds) {
  CertificatePool pool;
  CountingDescriber describe{0, "CN=x"};
  const auto describer = [&describe] { return describe(); };
  std::vector<SharedOptional<CertificateInfo>> live;
  for (int i = 0; i < 10; ++i) live.push_back(pool.Get("live" + std::to_string(i), describer));
  for (int i = 0; i < 5000; ++i) pool.Get("gone" + std::to_string(i), describer);
  EXPECT_LE(pool.size(), 64u);  // expired entries are swept as the pool grows
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_TRUE(pool.Get("live" + std::to_string(i), describer).SharesWith(live[i])) << i;
  }
}

TEST(SharedOptional, ReadsAsAnOptional) {
  SharedOptional<CertificateInfo> leaf;
  EXPECT_FALSE(leaf);
  EXPECT_FALSE(leaf.has_value());
  leaf = CertificateInfo{};
  leaf->not_after = 42;  // unshared: written in place
  ASSERT_TRUE(leaf.has_value());
  EXPECT_EQ((*leaf).not_after, 42);
  EXPECT_EQ(leaf.value().not_after, 42);
  leaf = std::nullopt;
  EXPECT_FALSE(leaf);
  EXPECT_THROW(static_cast<void>(leaf.value()), std::bad_optional_access);
}

}  // namespace
}  // namespace stx::tls
