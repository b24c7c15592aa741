#pragma once
// From DNS answers to where mail goes (RFC 5321 §5.1, RFC 7505). Pure: no I/O.
#include <string_view>
#include <vector>

#include "dns/mail_routing.hpp"

namespace stx::dns {

/// Orders MX records the way RFC 5321 §5.1 has them tried: lowest preference first; equal
/// preferences (which a sender picks among at random) are ordered by host name so that output
/// is stable. Records with equal preference are all kept.
void SortMxRecords(std::vector<MxRecord>& records);

/// Builds the routing skeleton for `domain` from its MX answer; exchangers carry no addresses
/// yet (their AddressAnswers are left default):
/// - MX records: kMx, exchangers in SortMxRecords order. A "." record among real ones is
///   ignored (RFC 7505 §3 forbids mixing them; the real ones still route mail).
/// - only "." records (host ""), normally the single "0 .": kNullMx, the domain accepts no mail
///   (RFC 7505 §3). Not a failure.
/// - NOERROR without MX (kNoData): kImplicit, the domain itself is the only exchanger with
///   preference 0 (RFC 5321 §5.1).
/// - any other status: kFailed with mx_status and a detail naming the status.
MailRouting InterpretMx(std::string_view domain, const MxAnswer& mx);

/// Keeps only the exchangers with the lowest preference (ties: all of them). No-op on an empty
/// list.
void KeepPrimaryExchangers(MailRouting& routing);

/// The AddressAnswer of a family the caller did not ask for: kError, detail "not asked".
AddressAnswer NotAsked();
bool IsNotAsked(const AddressAnswer& answer);

/// Call after the exchangers' address lookups. An implicit MX stands only if the domain has an
/// address (RFC 5321 §5.1): when at least one family was asked and no asked lookup returned an
/// address, the routing becomes kFailed (mx_status stays kNoData) with a detail saying there
/// are no MX and no address records, or which address lookup failed. Exchangers are kept so
/// the per-family answers remain visible. No-op for any kind other than kImplicit.
void FinishImplicitMx(MailRouting& routing);

}  // namespace stx::dns
