// The partner's MTA-STS and TLS-RPT records and the MTA-STS policy file (RFC 8461, RFC 8460),
// read as senders read them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/sts_policy.hpp"
#include "policy/sts_record.hpp"
#include "policy/tls_rpt.hpp"

namespace stx::policy {
namespace {

dns::TxtAnswer Txt(std::vector<std::string> records, const char* name = "_mta-sts.example.test") {
  dns::TxtAnswer answer;
  answer.name = name;
  answer.status = records.empty() ? dns::LookupStatus::kNoData : dns::LookupStatus::kOk;
  answer.records = std::move(records);
  return answer;
}

struct RecordCase {
  const char* name;
  std::vector<std::string> records;
  StsRecordStatus status;
  const char* id;
};

class StsRecords : public testing::TestWithParam<RecordCase> {};

TEST_P(StsRecords, ReadAsRfc8461Says) {
  const RecordCase& c = GetParam();
  const StsRecord record = ReadStsRecord(Txt(c.records));
  EXPECT_EQ(ToString(record.status), ToString(c.status)) << record.detail;
  EXPECT_EQ(record.id, c.id);
  if (record.status != StsRecordStatus::kOk) {
    EXPECT_FALSE(record.detail.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Policy, StsRecords,
    testing::Values(
        RecordCase{"timestamp_id",
                   {"v=STSv1; id=20261201T000000"},
                   StsRecordStatus::kOk,
                   "20261201T000000"},
        RecordCase{"ok", {"v=STSv1; id=20261201"}, StsRecordStatus::kOk, "20261201"},
        RecordCase{"no_blank", {"v=STSv1;id=abc123"}, StsRecordStatus::kOk, "abc123"},
        RecordCase{"extension", {"v=STSv1; id=1; ext-1=yes;"}, StsRecordStatus::kOk, "1"},
        RecordCase{
            "other_txt_ignored", {"v=spf1 -all", "v=STSv1; id=7"}, StsRecordStatus::kOk, "7"},
        RecordCase{
            "two_records", {"v=STSv1; id=1", "v=STSv1; id=2"}, StsRecordStatus::kMultiple, ""},
        RecordCase{"no_id", {"v=STSv1;"}, StsRecordStatus::kInvalid, ""},
        RecordCase{
            "id_too_long", {"v=STSv1; id=" + std::string(33, 'a')}, StsRecordStatus::kInvalid, ""},
        RecordCase{"not_first", {"id=1; v=STSv1;"}, StsRecordStatus::kNone, ""},
        RecordCase{"version_without_semicolon", {"v=STSv1 id=1"}, StsRecordStatus::kNone, ""},
        RecordCase{"nothing", {}, StsRecordStatus::kNone, ""}),
    [](const testing::TestParamInfo<RecordCase>& row) { return std::string(row.param.name); });

TEST(StsRecord, FailedLookupIsNotAbsence) {
  dns::TxtAnswer failed = Txt({});
  failed.status = dns::LookupStatus::kServFail;
  EXPECT_EQ(ReadStsRecord(failed).status, StsRecordStatus::kLookupFailed);
}

TEST(StsPolicyFile, ReadsEveryFieldWithLfOrCrlf) {
  for (const char* eol : {"\n", "\r\n"}) {
    const std::string body = std::string("version: STSv1") + eol + "mode: enforce" + eol +
                             "mx: mail.example.test" + eol + "mx: *.backup.example.test" + eol +
                             "max_age: 604800" + eol;
    const StsPolicyRead read = ReadStsPolicy(body);
    ASSERT_TRUE(read.policy.has_value()) << read.error;
    EXPECT_EQ(read.policy->mode, StsMode::kEnforce);
    EXPECT_EQ(read.policy->max_age, 604800u);
    EXPECT_EQ(read.policy->mx,
              (std::vector<std::string>{"mail.example.test", "*.backup.example.test"}));
    EXPECT_TRUE(read.warnings.empty());
  }
}

TEST(StsPolicyFile, InvalidFilesSayWhy) {
  const auto error = [](const std::string& body) { return ReadStsPolicy(body).error; };
  EXPECT_EQ(error("mode: enforce\nmx: a.test\nmax_age: 1\n"), "no \"version: STSv1\" line");
  EXPECT_EQ(error("version: STSv2\n"), "version is \"STSv2\", not STSv1");
  EXPECT_EQ(error("version: STSv1\nmode: strict\n"),
            "mode \"strict\" is none of enforce, testing, none");
  EXPECT_EQ(error("version: STSv1\nmode: enforce\nmx: a.test\n"), "no max_age");
  EXPECT_EQ(error("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n"),
            "max_age \"31557601\" is not 0 to 31557600 seconds");
  EXPECT_EQ(error("version: STSv1\nmode: enforce\nmax_age: 86400\n"), "no mx pattern");
  EXPECT_EQ(error("<html><body>Not found</body></html>\n"), "line 1 is not \"key: value\"");
  EXPECT_EQ(error("version: STSv1\nmode: testing\nmx: mail..test\nmax_age: 1\n"),
            "mx \"mail..test\" is not a host name or *.<domain>");
  // Mode none needs no mx (the way to withdraw a policy, RFC 8461 §8.3).
  EXPECT_TRUE(ReadStsPolicy("version: STSv1\nmode: none\nmax_age: 86400\n").policy);
}

TEST(StsPolicyFile, RepeatedAndUnknownFieldsAreWarnings) {
  const StsPolicyRead read = ReadStsPolicy(
      "version: STSv1\nmode: testing\nmode: enforce\nmx: a.test\nmax_age: 60\n"
      "colour: blue\n");
  ASSERT_TRUE(read.policy.has_value()) << read.error;
  EXPECT_EQ(read.policy->mode, StsMode::kTesting);
  ASSERT_EQ(read.warnings.size(), 2u);
  EXPECT_EQ(read.warnings[0], "line 3: mode repeated; the first counts");
  EXPECT_EQ(read.warnings[1], "line 6: unknown key \"colour\" ignored");
}

TEST(StsMxPattern, WildcardCoversExactlyOneLeftmostLabel) {
  EXPECT_TRUE(StsMxMatches("mail.example.test", "MAIL.example.test."));
  EXPECT_FALSE(StsMxMatches("mail.example.test", "mail2.example.test"));
  EXPECT_TRUE(StsMxMatches("*.example.test", "mx1.example.test"));
  EXPECT_FALSE(StsMxMatches("*.example.test", "example.test"));
  EXPECT_FALSE(StsMxMatches("*.example.test", "a.mx1.example.test"));
  EXPECT_FALSE(StsMxMatches("*.example.test", "mx1.otherexample.test"));
  const StsPolicy policy{StsMode::kEnforce, {"mail.example.test", "*.backup.example.test"}, 60};
  EXPECT_TRUE(StsCovers(policy, "b1.backup.example.test"));
  EXPECT_FALSE(StsCovers(policy, "mx.example.test"));
}

TEST(TlsRptRecord, ReadsEveryDestination) {
  const TlsRptRecord ok = ReadTlsRptRecord(
      Txt({"v=TLSRPTv1; rua=mailto:tls@example.test,https://report.example.test/tls"},
          "_smtp._tls.example.test"));
  EXPECT_EQ(ok.status, TlsRptStatus::kOk) << ok.detail;
  EXPECT_EQ(ok.rua, (std::vector<std::string>{"mailto:tls@example.test",
                                              "https://report.example.test/tls"}));
  EXPECT_EQ(ReadTlsRptRecord(Txt({"v=TLSRPTv1;"})).status, TlsRptStatus::kInvalid);
  EXPECT_EQ(ReadTlsRptRecord(Txt({"v=TLSRPTv1; rua=ftp://x"})).status, TlsRptStatus::kInvalid);
  EXPECT_EQ(
      ReadTlsRptRecord(Txt({"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"})).status,
      TlsRptStatus::kMultiple);
  EXPECT_EQ(ReadTlsRptRecord(Txt({"v=spf1 -all"})).status, TlsRptStatus::kNone);
}

}  // namespace
}  // namespace stx::policy
