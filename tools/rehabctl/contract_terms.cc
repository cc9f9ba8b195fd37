#include "tools/rehabctl/contract_terms.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace rehab::rehabctl {
namespace {

// The most visits an item may ask for in a year: one a day.
constexpr int kMaxVisitsPerYear = 366;

std::string Trimmed(const std::string& text) {
  std::string out(text);
  absl::StripAsciiWhitespace(&out);
  return out;
}

}  // namespace

absl::StatusOr<rehab::v1::ContractItem> ParseContractItem(
    const std::string& text) {
  const size_t first = text.find(':');
  const size_t last = text.rfind(':');
  if (first == std::string::npos || first == last) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not CODE:NAME:VISITS_PER_YEAR"));
  }
  rehab::v1::ContractItem item;
  item.set_code(Trimmed(text.substr(0, first)));
  item.set_name(Trimmed(text.substr(first + 1, last - first - 1)));
  const std::string visits = Trimmed(text.substr(last + 1));
  if (item.code().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": the item code is empty"));
  }
  if (item.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": the item name is empty"));
  }
  int count = -1;
  if (!absl::SimpleAtoi(visits, &count) || count < 0 ||
      count > kMaxVisitsPerYear) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\": visits per year must be 0 to ", kMaxVisitsPerYear));
  }
  item.set_visits_per_year(count);
  return item;
}

absl::StatusOr<std::vector<rehab::v1::ContractItem>> ParseContractItems(
    const std::vector<std::string>& texts) {
  std::vector<rehab::v1::ContractItem> items;
  if (texts.empty()) {
    absl::StatusOr<rehab::v1::ContractItem> item =
        ParseContractItem(kDefaultItem);
    if (!item.ok()) return item.status();
    items.push_back(*std::move(item));
    return items;
  }
  for (const std::string& text : texts) {
    absl::StatusOr<rehab::v1::ContractItem> item = ParseContractItem(text);
    if (!item.ok()) return item.status();
    items.push_back(*std::move(item));
  }
  return items;
}

absl::StatusOr<absl::CivilDay> ParseDay(const std::string& text) {
  bool shaped = text.size() == 10;
  for (size_t i = 0; shaped && i < text.size(); ++i) {
    shaped = (i == 4 || i == 7) ? text[i] == '-' : absl::ascii_isdigit(text[i]);
  }
  int year = 0, month = 0, day = 0;
  shaped = shaped && absl::SimpleAtoi(text.substr(0, 4), &year) &&
           absl::SimpleAtoi(text.substr(5, 2), &month) &&
           absl::SimpleAtoi(text.substr(8, 2), &day);
  // CivilDay normalises 2026-02-30 to 2026-03-02; a real day survives it.
  const absl::CivilDay parsed(year, month, day);
  if (!shaped || parsed.year() != year || parsed.month() != month ||
      parsed.day() != day) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a YYYY-MM-DD date"));
  }
  return parsed;
}

std::string FormatDay(absl::CivilDay day) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d",
                static_cast<int>(day.year()), day.month(), day.day());
  return text;
}

absl::CivilDay OneYearTermEnd(absl::CivilDay start) {
  // A day past the month's end normalises forward (29 February of a common
  // year is 1 March), so a 29 February start ends on 28 February.
  return absl::CivilDay(start.year() + 1, start.month(), start.day()) - 1;
}

absl::CivilDay LocalToday() {
  return absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
}

}  // namespace rehab::rehabctl
