#include "tools/rehabctl/args.h"

#include "absl/strings/str_cat.h"

namespace rehab::rehabctl {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& words,
                                 const std::vector<FlagSpec>& specs,
                                 size_t min_positional, size_t max_positional) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.size() < 3 || word.compare(0, 2, "--") != 0) {
      args.positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (spec->kind == FlagSpec::kSwitch) {
      if (value.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value"));
      }
      args.values_[name].push_back("");
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= words.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = words[++i];
    }
    std::vector<std::string>& values = args.values_[name];
    if (spec->kind == FlagSpec::kValue && !values.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " given twice"));
    }
    values.push_back(*std::move(value));
  }
  for (const FlagSpec& spec : specs) {
    if (spec.required && !args.Has(spec.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", spec.name, " is required"));
    }
  }
  if (args.positional_.size() < min_positional ||
      args.positional_.size() > max_positional) {
    return absl::InvalidArgumentError(
        args.positional_.size() < min_positional
            ? "missing argument"
            : absl::StrCat("unexpected argument \"",
                           args.positional_[max_positional], "\""));
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

std::string Args::GetOr(const std::string& name,
                        const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace rehab::rehabctl
