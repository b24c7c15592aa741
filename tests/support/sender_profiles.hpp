#pragma once
// Test shorthand for what a sender profile, named as in the table (smtp/client_profile.hpp),
// gets from a probed address.
#include <gtest/gtest.h>

#include <string_view>

#include "assess/sender_verdict.hpp"
#include "smtp/client_profile.hpp"

namespace stx::test {

/// The profile's position in the table; fails the test when the table has no such profile.
inline std::size_t ProfileIndex(std::string_view name) {
  const auto index = smtp::FindClientProfile(name);
  EXPECT_TRUE(index.has_value()) << "no sender profile named " << name;
  return index.value_or(smtp::kMaxClientProfiles);
}

inline bool SeesStarttls(const probe::AddressProbeResult& r, std::string_view profile) {
  return assess::SeesStarttls(r, ProfileIndex(profile));
}

inline bool GetsTls(const probe::AddressProbeResult& r, std::string_view profile) {
  return assess::GetsTls(r, ProfileIndex(profile));
}

/// Sets whether the named profile sees STARTTLS in a hand-made result.
inline void SetSees(probe::AddressProbeResult& r, std::string_view profile, bool sees) {
  r.ehlo.sees_starttls[ProfileIndex(profile)] = sees;
}

}  // namespace stx::test
