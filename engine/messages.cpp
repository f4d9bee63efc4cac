#include "engine/messages.h"

#include <algorithm>
#include <array>

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
    Message{"alert.condition.no_spending", "截至 {as_of} 尚未支出", "nothing paid as of {as_of}"},
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

}  // namespace

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
