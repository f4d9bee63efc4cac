#include "engine/messages.h"

#include <algorithm>
#include <array>
#include <vector>

namespace bw::engine {
namespace {

// The catalogue, sorted by id. One line per message: id, zh-CN, English.
constexpr std::array catalogue = {
    Message{"alert.condition.below_threshold", "执行率低于 {threshold_pct}%",
            "execution below {threshold_pct}%"},
    Message{"alert.condition.budget_revised",
            "年初预算数被登记文件 {revision_file} 由 {initial_before_yuan} 元改为 "
            "{initial_after_yuan} 元（第 "
            "{revision_version} 版）",
            "initial budget changed from {initial_before_yuan} to {initial_after_yuan} yuan by "
            "{revision_file} "
            "(version {revision_version})"},
    Message{"alert.condition.deadline_near", "临近完成时限且尚未支付完毕",
            "deadline near and not fully paid"},
    Message{"alert.condition.indicator_behind", "绩效指标「{indicator}」进度滞后：{reason_text}",
            "indicator '{indicator}' behind: {reason_text}"},
    Message{"alert.condition.indicator_overdue", "绩效指标「{indicator}」逾期未达成：{reason_text}",
            "indicator '{indicator}' not met in time: {reason_text}"},
    Message{"alert.condition.ingest_failed",
            "数据源 {source} 的文件 {file} 未被导入，未保存任何数据（已移至 failed/）：{error}",
            "file {file} from source {source} was not ingested, nothing of it stored (moved to "
            "failed/): {error}"},
    Message{"alert.condition.no_spending", "截至 {spend_by} 无支出", "nothing paid by {spend_by}"},
    Message{"alert.condition.overspend", "支出超过调整后预算",
            "paid more than the adjusted budget"},
    Message{"alert.condition.pace_below", "执行进度不足序时进度的 {threshold_pct}%",
            "pace below {threshold_pct}% of the expected progress"},
    Message{"alert.condition.stale_source", "数据源 {source} 已 {stale_hours} 小时没有新的导出文件",
            "source {source} has had no new export for {stale_hours} hours"},
    Message{"alert.severity_note", "（{severity}）", " ({severity})"},
    Message{"band.below_50", "严重偏低", "very low"},
    Message{"band.below_80", "偏低", "low"},
    Message{"band.no_budget", "无预算", "no budget"},
    Message{"band.on_track", "正常", "on track"},
    Message{"band.zero", "未支出", "nothing paid"},
    Message{"curve.by_days", "按全年天数（时间进度）", "by days of the fiscal year"},
    Message{"curve.custom_monthly", "自定义月度进度", "custom monthly shares"},
    Message{"curve.linear_to_deadline", "按日线性至完成时限", "linear by day to the deadline"},
    Message{"curve.milestones", "节点目标", "milestones"},
    Message{"curve.month_linear", "按月平均至完成时限", "equal monthly shares to the deadline"},
    Message{"indicator.reason.actual_due", "实际完成值 {actual}，完成时限 {due}",
            "actual {actual}, due {due}"},
    Message{"indicator.reason.done_on", "已于 {date} 完成，完成时限 {due}",
            "done on {date}, due {due}"},
    Message{"indicator.reason.due", "完成时限 {due}", "due {due}"},
    Message{"indicator.reason.exceeds", "实际完成值 {actual}，超过指标值 {target}",
            "actual {actual} exceeds {target}"},
    Message{"indicator.reason.judged_met", "{date} 判定为已完成", "judged met on {date}"},
    Message{"indicator.reason.judged_not_met", "{date} 判定为未完成", "judged not met on {date}"},
    Message{"indicator.reason.meets", "实际完成值 {actual}，达到指标值 {target}",
            "actual {actual} meets {target}"},
    Message{"indicator.reason.misses_after",
            "实际完成值 {actual}，完成时限 {due} 已过仍未达到指标值 {target}",
            "actual {actual} misses {target} after {due}"},
    Message{"indicator.reason.misses_rate",
            "实际完成值 {actual}，未达到指标值 {target}%，完成时限 {due}",
            "actual {actual} misses the target {target}%, due {due}"},
    Message{"indicator.reason.no_rate_yet", "尚未填报完成率，完成时限 {due}",
            "no rate reported yet, due {due}"},
    Message{"indicator.reason.none_by", "截至完成时限 {due} 未填报实际完成值",
            "no actual value by {due}"},
    Message{"indicator.reason.none_of_target",
            "尚未填报实际完成值（指标值 {target}），按进度此时应完成 {share}%",
            "no actual value of {target}, expected {share}% of the way by now"},
    Message{"indicator.reason.not_done_by", "截至完成时限 {due} 未完成", "not done by {due}"},
    Message{"indicator.reason.not_measurable", "无法按指标值 {target} 计算进度",
            "progress not measurable against {target}"},
    Message{"indicator.reason.of_target",
            "实际完成值 {actual}（指标值 {target}），按进度此时应完成 {share}%",
            "actual {actual} of {target}, expected {share}% of the way by now"},
    Message{"indicator.reason.qualitative", "定性指标，待判定：{why}", "qualitative target: {why}"},
    Message{"indicator.reason.unreadable", "实际完成值 {actual} 无法与指标值 {target} 比较",
            "actual {actual} not readable against {target}"},
    Message{"indicator_status.awaiting_judgement", "待判定", "awaiting judgement"},
    Message{"indicator_status.behind", "滞后", "behind"},
    Message{"indicator_status.met", "已完成", "met"},
    Message{"indicator_status.on_track", "按进度", "on track"},
    Message{"indicator_status.overdue", "逾期", "overdue"},
    Message{"line_kind.basic", "基本支出", "basic"},
    Message{"line_kind.project", "项目支出", "project"},
    Message{"mail.alert", "预警：{rule_text}", "Alert: {rule_text}"},
    Message{"mail.cleared_within", "其中 {rules} 已解除", "Cleared meanwhile: {rules}"},
    Message{"mail.count_items", "{n} 项需关注", "{n} item(s) need attention"},
    Message{"mail.count_items_recovered", "{n} 项已恢复", "{n} item(s) recovered"},
    Message{"mail.count_projects", "{n} 个项目需关注", "{n} project(s) need attention"},
    Message{"mail.count_projects_recovered", "{n} 个项目已恢复", "{n} project(s) recovered"},
    Message{"mail.count_separator", "，", ", "},
    Message{"mail.deadline_left", "剩余 {days_left} 天", "{days_left} days left"},
    Message{"mail.deadline_passed", "已逾期 {days_over} 天", "{days_over} days overdue"},
    Message{"mail.everyone", "各位", "all"},
    Message{"mail.figures", "执行率 {execution_pct}%，序时进度 {expected_pct}%，{gap_text}",
            "Execution {execution_pct}%, expected progress {expected_pct}%, {gap_text}"},
    Message{"mail.footer", "—— budgetwatch 预算执行监控",
            "-- budgetwatch, budget execution monitoring"},
    Message{"mail.gap_ahead", "高于序时进度 {gap_abs} 个百分点",
            "{gap_abs} percentage points ahead of the expected progress"},
    Message{"mail.gap_behind", "低于序时进度 {gap_pp} 个百分点",
            "{gap_pp} percentage points behind the expected progress"},
    Message{"mail.greeting", "{who}，您好：", "Dear {who},"},
    Message{"mail.greeting_addressee", "{who}：", "To {who}:"},
    Message{"mail.indicator_facts", "指标值 {target}；实际完成值 {actual}；完成时限 {due}",
            "Target {target}; actual {actual}; due {due}"},
    Message{"mail.indicator_rule", "{rule}「{indicator}」", "{rule} '{indicator}'"},
    Message{"mail.intro", "截至 {as_of}，以下项目的预算执行需要关注：",
            "As of {as_of}, the budget execution of these projects needs attention:"},
    Message{"mail.link", "详情：{url}", "Details: {url}"},
    Message{"mail.list_separator", "；", "; "},
    Message{"mail.name_separator", "、", ", "},
    Message{"mail.not_reported", "未填报", "not reported"},
    Message{"mail.project", "{project_name}（{project_code}）", "{project_name} ({project_code})"},
    Message{"mail.resolved_header", "以下项目已恢复，不再满足预警条件：",
            "These projects recovered and no longer meet the alert condition:"},
    Message{"mail.resolved_item",
            "{project_name}（{project_code}）：执行率 {execution_pct}%（{rules} 已解除）",
            "{project_name} ({project_code}): execution {execution_pct}% ({rules} cleared)"},
    Message{"mail.resolved_item_plain", "{project_name}（{project_code}）：{rules} 已解除",
            "{project_name} ({project_code}): {rules} cleared"},
    Message{"mail.title", "【预算执行预警】{who}：{counts}（截至 {as_of}）",
            "[Budget execution alert] {who}: {counts} (as of {as_of})"},
    Message{"mail.title_resolved", "【预算执行预警·已恢复】{who}：{counts}（截至 {as_of}）",
            "[Budget execution alert, resolved] {who}: {counts} (as of {as_of})"},
    Message{"mail.unit", "单位：{unit_name}", "Unit: {unit_name}"},
    Message{"mail.unspent", "未支出 {unspent_wan} 万元；完成时限 {deadline}（{deadline_text}）",
            "Unspent {unspent_wan} 10k yuan; deadline {deadline} ({deadline_text})"},
    Message{"reject.ambiguous_basic",
            "基本支出无法归属：单位 {unit} 有 {n} 个基本支出项目（{codes}），请填写项目编码",
            "basic-expenditure payment is ambiguous: unit {unit} has {n} basic-expenditure lines "
            "({codes}); write "
            "the line's project code"},
    Message{"reject.amount", "“{value}”不是有效金额", "'{value}' is not an amount"},
    Message{"reject.amount_decimals", "“{value}”不是有效金额（小数超过 2 位）",
            "'{value}' is not an amount (more than 2 decimals)"},
    Message{"reject.amount_decimals_wan", "“{value}”不是有效金额（万元金额小数超过 6 位）",
            "'{value}' is not an amount (more than 6 decimals in 万元)"},
    Message{"reject.amount_separator", "“{value}”不是有效金额（千位分隔符位置不对）",
            "'{value}' is not an amount (misplaced thousands separator)"},
    Message{"reject.amount_too_large", "“{value}”不是有效金额（数额过大）",
            "'{value}' is not an amount (too large)"},
    Message{"reject.date", "“{value}”不是有效日期", "'{value}' is not a date"},
    Message{"reject.date_day", "“{value}”不是有效日期（没有 {day} 日）",
            "'{value}' is not a date (day {day})"},
    Message{"reject.date_days_in_month", "“{value}”不是有效日期（{year} 年该月只有 {days} 天）",
            "'{value}' is not a date ({month_name} {year} has {days} days)"},
    Message{"reject.date_month", "“{value}”不是有效日期（没有 {month} 月）",
            "'{value}' is not a date (month {month})"},
    Message{"reject.date_serial",
            "“{value}”不是有效日期（像是电子表格的日期序号，请把日期导出为文本）",
            "'{value}' is not a date (a spreadsheet serial number? export dates as text)"},
    Message{"reject.date_year", "“{value}”不是有效日期（年份 {year} 超出范围）",
            "'{value}' is not a date (year {year})"},
    Message{"reject.empty_amount", "金额为空", "empty amount"},
    Message{"reject.empty_date", "日期为空", "empty date"},
    Message{"reject.field_count", "应有 {expected} 列，实际 {found} 列",
            "expected {expected} fields, found {found}"},
    Message{"reject.fiscal_year", "“{value}”不是有效预算年度（应为年份，如 2022）",
            "'{value}' is not a fiscal year (a year such as 2022)"},
    Message{"reject.indicator_seq_or_name", "请填写指标序号或指标名称（三级指标）",
            "give the indicator's seq or its name (三级指标)"},
    Message{"reject.indicator_twice",
            "指标 {code} 序号 {seq} 在本文件中重复出现（首次在第 {first} 行）",
            "indicator {code} seq {seq} appears twice in this file (first at line {first})"},
    Message{"reject.line_kind", "“{value}”不是基本支出或项目支出",
            "'{value}' is not 基本支出 or 项目支出"},
    Message{"reject.line_source", "“{value}”不是有效指标来源（年初、年中新增或上年结转）",
            "'{value}' is not a 指标来源 (年初, 年中新增 or 上年结转)"},
    Message{"reject.missing_indicator_name", "缺少指标名称", "missing indicator name"},
    Message{"reject.missing_project_code", "缺少项目编码", "missing project code"},
    Message{"reject.missing_project_name", "缺少项目名称", "missing project name"},
    Message{"reject.missing_unit_code", "缺少预算单位编码", "missing unit code"},
    Message{"reject.missing_value", "缺少实际值", "missing value"},
    Message{"reject.missing_voucher", "缺少支付凭证号", "missing voucher number"},
    Message{"reject.negative_initial", "年初预算数不能为负数",
            "an initial budget cannot be negative"},
    Message{"reject.project_twice", "项目编码 {code} 在本登记文件中重复出现（首次在第 {first} 行）",
            "project code {code} appears twice in this register (first at line {first})"},
    Message{"reject.seq", "“{value}”不是有效序号（1、2……）",
            "'{value}' is not a sequence number (1, 2, ...)"},
    Message{"reject.voucher_conflict_as",
            "支付凭证号 {voucher}（记录为 {recorded}）已有记录：金额 {amount} 元，日期 "
            "{date}，项目“{project}”（{file} 第 "
            "{line} 行）；本行为 {this_amount} 元，日期 {this_date}，项目“{this_project}”",
            "voucher {voucher} (recorded as {recorded}) is already recorded with amount {amount} "
            "on {date} for "
            "project '{project}' ({file} line {line}); this row says {this_amount} on {this_date} "
            "for project "
            "'{this_project}'"},
    Message{
        "reject.voucher_conflict_plain",
        "支付凭证号 {voucher} 已有记录：金额 {amount} 元，日期 {date}，项目“{project}”（{file} 第 "
        "{line} 行）；本行为 "
        "{this_amount} 元，日期 {this_date}，项目“{this_project}”",
        "voucher {voucher} is already recorded with amount {amount} on {date} for project "
        "'{project}' ({file} "
        "line {line}); this row says {this_amount} on {this_date} for project '{this_project}'"},
    Message{"rule_kind.below_threshold", "执行率低于 {threshold_pct}%",
            "execution below {threshold_pct}%"},
    Message{"rule_kind.budget_revised", "年初预算变动", "initial budget revised"},
    Message{"rule_kind.deadline_near", "临近完成时限", "deadline near"},
    Message{"rule_kind.indicator_behind", "绩效指标滞后", "indicator behind"},
    Message{"rule_kind.indicator_overdue", "绩效指标逾期", "indicator overdue"},
    Message{"rule_kind.ingest_failed", "文件未导入", "file not ingested"},
    Message{"rule_kind.no_spending", "尚未支出", "nothing paid"},
    Message{"rule_kind.overspend", "超预算支出", "overspend"},
    Message{"rule_kind.pace_below", "进度落后于序时进度的 {threshold_pct}%",
            "pace below {threshold_pct}%"},
    Message{"rule_kind.stale_source", "数据源未更新", "stale source"},
    Message{"severity.critical", "严重", "critical"},
    Message{"severity.info", "提示", "info"},
    Message{"severity.warning", "警告", "warning"},
};

constexpr bool sorted() {
  for (std::size_t i = 1; i < catalogue.size(); ++i)
    if (!(catalogue[i - 1].id < catalogue[i].id)) return false;
  return true;
}
static_assert(sorted(), "the message catalogue is sorted by id, each id once");

std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    const auto close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    const auto it = values.find(std::string(tmpl.substr(open + 1, close - open - 1)));
    out.append(it != values.end() ? std::string_view(it->second)
                                  : tmpl.substr(open, close - open + 1));
    i = close + 1;
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

// Matches `s` from `si` against the template's pieces from `ti` (literals and {names}, never two
// names in a row), capturing each name's text (at least one character).
bool match_from(const std::vector<std::pair<bool, std::string_view>>& pieces, std::size_t ti,
                std::string_view s, std::size_t si, std::map<std::string, std::string>& args) {
  if (ti == pieces.size()) return si == s.size();
  const auto& [is_name, text] = pieces[ti];
  if (!is_name)
    return s.substr(si).starts_with(text) && match_from(pieces, ti + 1, s, si + text.size(), args);
  if (ti + 1 == pieces.size()) {
    if (si >= s.size()) return false;
    args[std::string(text)] = std::string(s.substr(si));
    return true;
  }
  const std::string_view next = pieces[ti + 1].second;
  for (std::size_t at = s.find(next, si + 1); at != std::string_view::npos;
       at = s.find(next, at + 1)) {
    args[std::string(text)] = std::string(s.substr(si, at - si));
    if (match_from(pieces, ti + 1, s, at, args)) return true;
  }
  args.erase(std::string(text));
  return false;
}

std::optional<std::map<std::string, std::string>> match_template(std::string_view tmpl,
                                                                 std::string_view s) {
  std::vector<std::pair<bool, std::string_view>> pieces;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    const auto close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    if (open > i) pieces.emplace_back(false, tmpl.substr(i, open - i));
    pieces.emplace_back(true, tmpl.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  if (i < tmpl.size()) pieces.emplace_back(false, tmpl.substr(i));
  std::map<std::string, std::string> args;
  if (!match_from(pieces, 0, s, 0, args)) return std::nullopt;
  return args;
}

}  // namespace

std::optional<MatchedMessage> match_message(std::string_view prefix, std::string_view english) {
  for (const Message& m : catalogue) {
    if (!m.id.starts_with(prefix)) continue;
    if (auto args = match_template(m.en, english)) return MatchedMessage{m.id, std::move(*args)};
  }
  return std::nullopt;
}

std::string translate(std::string_view prefix, std::string_view english, Lang l) {
  const auto m = match_message(prefix, english);
  return m ? format_message(m->id, l, m->args) : std::string(english);
}

Lang lang_of(std::string_view tag) { return tag.substr(0, 2) == "en" ? Lang::en : Lang::zh; }

std::span<const Message> message_catalogue() { return catalogue; }

std::string_view message(std::string_view id, Lang l) {
  const auto it = std::lower_bound(catalogue.begin(), catalogue.end(), id,
                                   [](const Message& m, std::string_view x) { return m.id < x; });
  if (it == catalogue.end() || it->id != id) return id;
  return l == Lang::zh ? it->zh : it->en;
}

std::string format_message(std::string_view id, Lang l,
                           const std::map<std::string, std::string>& args) {
  return fill(message(id, l), args);
}

std::string message_id(Band b) { return std::string("band.") + to_string(b); }
std::string message_id(CurveKind k) { return std::string("curve.") + to_string(k); }
std::string message_id(LineKind k) { return std::string("line_kind.") + to_string(k); }
std::string message_id(IndicatorStatus s) {
  return std::string("indicator_status.") + to_string(s);
}

namespace {
std::string_view text_or(const std::string& id, Lang l, const char* code) {
  const std::string_view t = message(id, l);
  return t.data() == id.data() ? std::string_view(code) : t;
}
}  // namespace

std::string_view text(Band b, Lang l) { return text_or(message_id(b), l, to_string(b)); }
std::string_view text(CurveKind k, Lang l) { return text_or(message_id(k), l, to_string(k)); }
std::string_view text(LineKind k, Lang l) { return text_or(message_id(k), l, to_string(k)); }
std::string_view text(IndicatorStatus s, Lang l) { return text_or(message_id(s), l, to_string(s)); }

std::string reason_text(const IndicatorEval& e, Lang l) {
  if (e.reason_id.empty()) return e.reason;
  return format_message(e.reason_id, l, e.reason_args);
}

}  // namespace bw::engine
