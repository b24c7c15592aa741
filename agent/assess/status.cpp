#include "assess/status.hpp"

#include "assess/sender_verdict.hpp"
#include "smtp/client_profile.hpp"

namespace stx::assess {

std::string_view ToString(Status status) {
  switch (status) {
    case Status::kDeferred:
      return "deferred";
    case Status::kTlsFailed:
      return "tls_failed";
    case Status::kMisordered:
      return "misordered";
    case Status::kNoStarttls:
      return "no_starttls";
    case Status::kError:
      return "error";
    case Status::kCompliant:
      return "compliant";
    case Status::kNullMx:
      return "null_mx";
    case Status::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view Describe(Status status) {
  switch (status) {
    case Status::kDeferred:
      return "some of our senders do not deliver: they require TLS and get none they accept, "
             "so mail waits in their queues or fails";
    case Status::kMisordered:
      return "STARTTLS where or as some of our senders do not read it (on the EHLO greeting "
             "line, after the final line, or spelt as they do not match): they send in clear "
             "text; lenient tools report TLS";
    case Status::kNoStarttls:
      return "STARTTLS not offered: our senders deliver in clear text";
    case Status::kTlsFailed:
      return "STARTTLS offered, but no TLS session our senders accept (refused, failed "
             "handshake, protocol version or certificate): they deliver in clear text";
    case Status::kError:
      return "no EHLO reply: DNS, connection, banner or EHLO failed";
    case Status::kCompliant:
      return "STARTTLS offered as RFC 5321 §4.1.1.1 requires";
    case Status::kNullMx:
      return "null MX (RFC 7505): the domain accepts no mail";
    case Status::kUnknown:
      break;
  }
  return "the first probe has not completed";
}

Status EhloStatus(const probe::AddressProbeResult& result) {
  switch (result.ehlo_class) {
    case smtp::EhloClass::kCompliant:
      return Status::kCompliant;
    case smtp::EhloClass::kMisordered:
      return Status::kMisordered;
    case smtp::EhloClass::kNoStarttls:
      return Status::kNoStarttls;
    case smtp::EhloClass::kError:
      break;
  }
  return Status::kError;
}

Status AddressStatus(const probe::AddressProbeResult& result, smtp::ProfileSet ours) {
  if (result.ehlo_class == smtp::EhloClass::kError) return Status::kError;
  Delivery worst = Delivery::kTlsAuthenticated;
  bool in_clear_unseen = false;  // a sender of ours in clear because it saw no STARTTLS
  for (std::size_t i = 0; i < smtp::ClientProfiles().size(); ++i) {
    if (!ours.test(i)) continue;
    const SenderOutcome outcome = Outcome(result, i);
    worst = Worst(worst, outcome.delivery);
    in_clear_unseen = in_clear_unseen || (!Encrypted(outcome.delivery) && !outcome.starttls);
  }
  switch (worst) {
    case Delivery::kDeferred:
      return Status::kDeferred;
    case Delivery::kClear:
      // Named by the cause: the reply's class when a sender of ours did not see STARTTLS,
      // else the upgrade that failed.
      if (in_clear_unseen && result.ehlo_class != smtp::EhloClass::kCompliant) {
        return EhloStatus(result);
      }
      return in_clear_unseen ? Status::kMisordered : Status::kTlsFailed;
    case Delivery::kTls:
    case Delivery::kTlsAuthenticated:
      break;
  }
  return Status::kCompliant;
}

Status TargetStatus(const probe::TargetProbeResult* last, smtp::ProfileSet ours) {
  if (last == nullptr) return Status::kUnknown;
  // kUnknown ranks below every address status: it stands for "nothing seen yet" here.
  Status worst = last->error ? Status::kError : Status::kUnknown;
  for (const auto& r : last->results) {
    if (const Status status = AddressStatus(r, ours); Worse(status, worst)) worst = status;
  }
  if (worst != Status::kUnknown) return worst;
  if (last->routing && last->routing->kind == dns::RoutingKind::kNullMx) return Status::kNullMx;
  return Status::kError;  // a completed probe that reached no address and said nothing: suspect
}

int CheckExitStatus(std::span<const probe::TargetProbeResult> results,
                    std::span<const smtp::ProfileSet> ours) {
  bool any_error = false;
  bool any_without_tls = false;
  for (std::size_t t = 0; t < results.size(); ++t) {
    const auto& target = results[t];
    const smtp::ProfileSet senders = t < ours.size() ? ours[t] : smtp::DefaultSenders();
    // A completed probe with no address and no null MX proves nothing: an error.
    any_error = any_error || target.error.has_value() ||
                TargetStatus(&target, senders) == Status::kError;
    for (const auto& r : target.results) {
      // What our senders get decides, not the EHLO class alone: STARTTLS refused or a failed
      // handshake leaves senders without TLS though the reply is compliant.
      const Status status = AddressStatus(r, senders);
      any_error = any_error || status == Status::kError;
      any_without_tls = any_without_tls || (status != Status::kError && status != Status::kCompliant);
    }
  }
  if (any_without_tls) return kNotCompliant;
  if (any_error) return kErrorOrUsage;
  return kAllCompliant;  // a null MX too: the domain takes no mail, nothing is sent in clear
}

}  // namespace stx::assess
