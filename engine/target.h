// Performance targets (绩效指标值) read from the Chinese text of the target forms — `90%以上`,
// `≥150个`, `不低于95%`, `2023年12月31日前完成支付`, `第三季度前`, `是`, `有所提升` — into a
// comparator, an exact decimal value, a unit and a due date. Used by `budgetwatch targets parse`
// (daemon/targets_cli.cpp), and meant for the indicators ingest and completion (issue #5).
// Conventions: tests/data/README.md, "Performance indicators".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/civil_date.h"

namespace bw::engine {

/// How an actual value is compared with the target's value.
enum class Comparator {
  ge,  ///< actual >= value (`90%以上`, `≥150个`, `不低于95%`, a bare count)
  gt,  ///< actual > value (`超过2300亿元`; 超过/大于 exclude the number, Civil Code art. 1259)
  le,       ///< actual <= value (`3个工作日内`, `不超过5%`, a bare time limit `72小时`)
  lt,       ///< actual < value (`低于1%`, `少于3次`)
  eq,       ///< actual == value (yes/no targets: value `是` or `否`; `=100%`)
  by_date,  ///< done by `deadline` (`2023年12月31日前完成支付`, `第三季度前`); no value
  qualitative,  ///< no figure to compare (`有所提升`, `按季支付`) or text we cannot read; see
                ///< Target::reason
};

/// The corpus spelling: ">=", ">", "<=", "<", "==", "by_date", "qualitative".
const char* to_string(Comparator c);

/// Inverse of to_string; nullopt for any other text.
std::optional<Comparator> parse_comparator(std::string_view s);

/// Why the comparator is what it is (the corpora's `comparator_basis` column).
enum class Basis {
  none,    ///< qualitative: no comparator
  stated,  ///< a symbol, a word or a date in the text says so (≥ 以上 不低于 超过 达 内 …, `…前`)
  implied,  ///< a bare value: the direction comes from the indicator (see TargetContext)
};

/// "" (none), "explicit" (stated) or "implied": the words of the corpora.
const char* to_string(Basis b);

/// Whether more of an indicator is better; the form's 指标方向 (正向/反向) when it has one.
enum class Direction { higher_is_better, lower_is_better };

/// What the parser needs besides the text. All views must outlive the call; everything is optional.
struct TargetContext {
  std::string_view indicator_name;  ///< 三级指标 name, e.g. "高新技术企业认定通过率（%）"
  std::string_view indicator_class;  ///< 一级指标: 产出指标, 效益指标, 满意度指标, 成本指标
  std::string_view indicator_subclass;  ///< 二级指标: 数量指标, 质量指标, 时效指标, …
  /// Stated direction; wins over every rule that guesses it from the name and class.
  std::optional<Direction> direction;
  /// The fiscal year the target belongs to; dates without a year (`12月31日前`, `第三季度前`,
  /// `年底前`) are read in it. Without it such dates are qualitative ("… no fiscal year given").
  std::optional<FiscalYear> fiscal_year;
};

/// A parsed target. Equality compares every field (tests).
struct Target {
  Comparator comparator = Comparator::qualitative;
  /// The number as written, as exact decimal text: `90` for `90%`, `2300` for `超过2300亿元`,
  /// `95.50` for `95.50%` (fraction digits kept, thousands separators and leading zeros dropped,
  /// full-width and Chinese numerals converted: `三家` → `3`); or `是`/`否` for yes/no targets
  /// (eq). None for by_date and qualitative. Never a double: compare with compare_decimal.
  std::optional<std::string> value;
  /// A range `90%-95%` / `5至10个` is comparator ge with `value` the lower and `upper` the upper
  /// bound, both inclusive: lower <= actual <= upper. None otherwise.
  std::optional<std::string> upper;
  /// The unit as written after the number, magnitude included: `%`, `个`, `万元`, `亿元`, `万人`,
  /// `个工作日`;
  /// "" when there is none (`≥4`, `是`).
  std::string unit;
  /// The due date, only when the text gives one (`…前`, `第三季度末`, `年底前`, `2023年12月31日`):
  /// the last day on which the target still counts as met in time (a period's last day for
  /// `6月底前`, `第三季度前`).
  std::optional<CivilDate> deadline;
  Basis basis = Basis::none;
  /// Qualitative only: why, in English, quoting the text involved ("direction only, no figure
  /// ('有所提升')").
  std::string reason;

  bool operator==(const Target&) const = default;
};

/// Longer target texts are not read (qualitative, "target text longer than 1024 bytes").
inline constexpr std::size_t max_target_bytes = 1024;
/// Numbers with more digits (integer and fraction together) are not read ("number with more than 30
/// digits").
inline constexpr std::size_t max_value_digits = 30;

/// Reads one target text. Never throws and never fails: whatever it cannot read is qualitative
/// with a reason, including empty text ("empty target"), invalid UTF-8 ("not valid UTF-8 text"),
/// control characters ("control character in the text") and over-long text. Thread-safe.
///
/// - Text: trimmed, spaces dropped, full-width forms folded (`≥９０％` = `>=90%`); the symbols
///   `≥ ≧ ⩾ ≤ ≦ ⩽ ＞ ＜ ﹥ ﹤ ％ ﹪` and dashes are understood. Numbers in ASCII or full-width
///   digits with `,` thousands separators, or in Chinese numerals (`三家`, `十二次`, `百分之九十`).
/// - Comparators (tests/data/README.md): ge for `以上 及以上 或以上 ≥ >= 不低于 不少于 至少 达 达到
///   提高到 …`; gt for `超过 大于 高于 多于 >`; le for `以下 以内 之内 内 ≤ <= 不超过 不高于 最多
///   控制在 降至 …`; lt for `低于 小于 少于 不足 <`; eq for `= 等于`. `(含)`/`(不含)` make 以上 and
///   以下 inclusive/strict. A word before the number and one after it must agree (`达到90%以上` is
///   ge, `不低于5%以下` is qualitative). A short label may precede the number (`评选获奖项目60个`)
///   and a short verb follow it (`3天完成`).
/// - Bare values take their direction from the context, first rule that applies:
///   TargetContext::direction; a value of 0 → le (incident counts, `0起`); a time unit (小时 分钟
///   天 日 工作日 个月 …) → le, unless the indicator is a quantity indicator (二级 数量指标) whose
///   name does not speak of a time limit; a name that counts or rates something bad (投诉率 差错率
///   事故 违规 …, not 投诉处理率) → le; money in a cost indicator (成本指标) → le; else ge (counts,
///   amounts, rates). Their basis is implied.
/// - Dates: `2023年12月31日`, `2023-12-31`, `2023年6月底`, `2023年第三季度`, `2023年上半年`,
///   `2023年底`; and, in the context's fiscal year, `12月31日`, `6月底`/`6月末`/`6月`,
///   `第三季度`/`三季度`/`Q3`, `上半年`, `年底`/`年末`/`年内`; each optionally followed by
///   前/之前/以前/止/内/末/底. A date alone is by_date; with a figure (`12月底前完成率达到100%`)
///   the figure's comparator stays and `deadline` is set. A start date (`1月1日起`) is qualitative.
/// - Yes/no: `是` and `否` are eq with that value.
/// - No figure: qualitative, the reason naming the case (direction only `有所提升`, periodic
///   schedule `按季支付`, no target `/`, unanswered template `是/否`, …).
Target parse_target(std::string_view text, const TargetContext& ctx = {}) noexcept;

/// Reads a plain decimal number exactly: `1234.50`, `1,234.5`, `-3`, `+7`, `.5`, `１２．５`,
/// surrounding spaces ignored. Returns the canonical text (`1234.50`, `1234.5`, `-3`, `7`, `0.5`,
/// `12.5`: leading zeros and separators dropped, fraction digits kept, `-0` → `0`), or nullopt when
/// `text` is anything else or longer than max_value_digits digits.
std::optional<std::string> parse_decimal(std::string_view text);

/// Compares two canonical decimals (as Target::value and parse_decimal produce) exactly: -1, 0
/// or 1. `95.50` == `95.5`. Precondition: both are canonical.
int compare_decimal(std::string_view a, std::string_view b);

/// Whether an actual value meets a numeric or yes/no target: the actual is read with parse_decimal
/// (ge, gt, le, lt, eq with a number; ranges check both bounds) or compared as trimmed text (eq
/// `是`/`否`). Nullopt for by_date and qualitative targets (a judgement or a completion date
/// decides those) and for an actual that is not a number.
std::optional<bool> is_met(const Target& target, std::string_view actual);

}  // namespace bw::engine
