// libFuzzer target: engine::parse_target (performance targets, 绩效指标值) and the decimals under
// it. The first input byte picks the context (none; fiscal year 2021 with an output-quantity
// indicator; a cost indicator with a stated direction), the rest is the target text. Besides
// crashes, sanitizer reports and hangs it checks the Target contract: values are canonical decimals
// (or 是/否 for eq), by_date and qualitative carry no value, qualitative says why, a target is met
// by its own value exactly when its comparator includes it, and parse_decimal is idempotent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "engine/target.h"

namespace {

using namespace bw::engine;

void check(bool ok, const char* what, std::string_view text) {
  if (!ok) {
    std::fprintf(stderr, "target_fuzz: %s: '%.*s'\n", what, static_cast<int>(text.size()),
                 text.data());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  TargetContext ctx;
  switch (data[0] % 3) {
    case 1:
      ctx.fiscal_year = FiscalYear(2021, 1);
      ctx.indicator_class = "产出指标";
      ctx.indicator_subclass = "数量指标";
      ctx.indicator_name = "科技企业孵化载体新增数量";
      break;
    case 2:
      ctx.fiscal_year = FiscalYear(2023, 1);
      ctx.indicator_class = "成本指标";
      ctx.indicator_name = "项目成本控制率（%）";
      ctx.direction = Direction::lower_is_better;
      break;
    default:
      break;
  }
  const Target t = parse_target(text, ctx);
  switch (t.comparator) {
    case Comparator::qualitative:
      check(!t.value && !t.upper && !t.reason.empty() && t.basis == Basis::none,
            "qualitative contract", text);
      break;
    case Comparator::by_date:
      check(!t.value && !t.upper && t.deadline.has_value() && t.deadline->ok(), "by_date contract",
            text);
      break;
    default: {
      check(t.value.has_value() && t.basis != Basis::none, "a compared target has a value", text);
      const bool yes_no = *t.value == "是" || *t.value == "否";
      check(!yes_no || t.comparator == Comparator::eq, "是/否 only with eq", text);
      if (!yes_no) {
        const auto canon = parse_decimal(*t.value);
        check(canon && *canon == *t.value, "value is a canonical decimal", text);
        check(compare_decimal(*t.value, *t.value) == 0, "a value equals itself", text);
      }
      if (t.upper) {
        const auto canon = parse_decimal(*t.upper);
        check(canon && *canon == *t.upper, "upper is a canonical decimal", text);
      }
      const auto met = is_met(t, *t.value);
      const bool inclusive = t.comparator == Comparator::ge || t.comparator == Comparator::le ||
                             t.comparator == Comparator::eq;
      if (!t.upper || compare_decimal(*t.value, *t.upper) <= 0) {
        check(met.has_value() && *met == inclusive, "the target's own value meets it iff inclusive",
              text);
      }
      if (t.deadline) check(t.deadline->ok(), "a valid deadline", text);
    }
  }
  (void)to_string(t.comparator);
  (void)to_string(t.basis);

  // Decimals on their own: canonical output parses to itself.
  if (const auto d = parse_decimal(text)) {
    const auto again = parse_decimal(*d);
    check(again && *again == *d, "parse_decimal is idempotent", text);
    check(compare_decimal(*d, *d) == 0, "a decimal equals itself", text);
  }
  return 0;
}
