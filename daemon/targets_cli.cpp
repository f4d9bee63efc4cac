#include "daemon/targets_cli.h"

#include <boost/json.hpp>

#include "collectors/column_map.h"
#include "collectors/csv_reader.h"
#include "collectors/encoding.h"
#include "daemon/args.h"
#include "daemon/cli.h"
#include "engine/target.h"
#include "engine/text.h"

namespace bw::daemon {
namespace {

namespace json = boost::json;

constexpr const char* usage =
    "usage: budgetwatch targets parse FILE.csv [--format json] [--encoding auto|utf-8|gb18030]\n"
    "                                 [--fiscal-year YYYY] [--fiscal-start-month N]\n"
    "  Parses the target_raw (年度指标值) column of a performance-indicators CSV and prints, per "
    "row,\n"
    "  {project_code, seq, target_raw, comparator, value, upper, unit, deadline, basis, reason} as "
    "JSON.\n"
    "  Parse columns already in the file are ignored. Dates without a year (12月31日前, "
    "第三季度前, 年底前)\n"
    "  are read in --fiscal-year; without it they are qualitative.\n";

// 1-4 ASCII digits as a number; nullopt for anything else.
std::optional<int> small_number(const std::string& s) {
  if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoi(s);
}

json::value string_or_null(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return json::string(*s);
}

// The field of a record for a column, trimmed; "" when the column is absent or the record is short.
std::string_view field(const collect::CsvRecord& rec, const collect::ResolvedColumns& cols,
                       collect::Field f) {
  const int at = cols.at(f);
  if (at < 0 || static_cast<std::size_t>(at) >= rec.fields.size()) return {};
  return engine::trim(rec.fields[static_cast<std::size_t>(at)]);
}

json::object row_json(const collect::CsvRecord& rec, const collect::ResolvedColumns& cols,
                      const engine::TargetContext& base) {
  using collect::Field;
  engine::TargetContext ctx = base;
  ctx.indicator_name = field(rec, cols, Field::indicator_name);
  ctx.indicator_class = field(rec, cols, Field::indicator_class);
  ctx.indicator_subclass = field(rec, cols, Field::indicator_subclass);
  const std::string_view raw = field(rec, cols, Field::target_raw);
  const engine::Target t = engine::parse_target(raw, ctx);

  json::object o;
  o["project_code"] = json::string(field(rec, cols, Field::project_code));
  o["seq"] = json::string(field(rec, cols, Field::seq));
  o["target_raw"] = json::string(raw);
  o["comparator"] = engine::to_string(t.comparator);
  o["value"] = string_or_null(t.value);
  o["upper"] = string_or_null(t.upper);
  o["unit"] = json::string(t.unit);
  o["deadline"] =
      t.deadline ? json::value(json::string(engine::to_iso(*t.deadline))) : json::value(nullptr);
  o["basis"] = t.basis == engine::Basis::none ? json::value(nullptr)
                                              : json::value(engine::to_string(t.basis));
  o["reason"] = t.reason.empty() ? json::value(nullptr) : json::value(json::string(t.reason));
  return o;
}

int cmd_parse(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = Args::parse(argv, {"format", "encoding", "fiscal-year", "fiscal-start-month"}, {});
  if (!args) {
    err << "budgetwatch targets parse: " << args.error().message << "\n" << usage;
    return exit_usage;
  }
  if (args->positionals().size() != 1) {
    err << "budgetwatch targets parse: needs exactly one FILE\n" << usage;
    return exit_usage;
  }
  if (const std::string format = args->get_or("format", "json"); format != "json") {
    err << "budgetwatch targets parse: unknown format '" << format << "' (json)\n";
    return exit_usage;
  }
  auto encoding = collect::parse_encoding_choice(args->get_or("encoding", "auto"));
  if (!encoding) {
    err << "budgetwatch targets parse: " << encoding.error().message << "\n";
    return exit_usage;
  }
  engine::TargetContext ctx;
  unsigned start_month = 1;
  if (auto m = args->get("fiscal-start-month")) {
    const auto n = small_number(*m);
    if (!n || *n < 1 || *n > 12) {
      err << "budgetwatch targets parse: --fiscal-start-month must be 1..12\n";
      return exit_usage;
    }
    start_month = static_cast<unsigned>(*n);
  }
  if (auto y = args->get("fiscal-year")) {
    const auto n = small_number(*y);
    if (!n || *n < 1900 || *n > 2999) {
      err << "budgetwatch targets parse: --fiscal-year must be a year YYYY (1900-2999)\n";
      return exit_usage;
    }
    ctx.fiscal_year = engine::FiscalYear{*n, start_month};
  }

  const std::string& path = args->positionals().front();
  auto facts = collect::inspect_file(path, *encoding);
  if (!facts) {
    err << "budgetwatch targets parse: " << path << ": " << facts.error().message << "\n";
    return exit_failure;
  }
  auto text = collect::open_text_file(path, facts->encoding);
  if (!text) {
    err << "budgetwatch targets parse: " << path << ": " << text.error().message << "\n";
    return exit_failure;
  }
  collect::CsvReader reader(**text);
  collect::CsvRecord header;
  if (!reader.next(header)) {
    err << "budgetwatch targets parse: " << path << ": "
        << (reader.status() ? std::string("empty file: no header row")
                            : reader.status().error().message)
        << "\n";
    return exit_failure;
  }
  if (!header.ok) {
    err << "budgetwatch targets parse: " << path << ": header row is malformed: " << header.error
        << "\n";
    return exit_failure;
  }
  auto cols = collect::ColumnMap().resolve(header.fields, store::FileKind::indicators);
  if (!cols) {
    err << "budgetwatch targets parse: " << path << ": " << cols.error().message << "\n";
    return exit_failure;
  }

  // One object per line: readable, and still one JSON array.
  int status = exit_ok;
  bool first = true;
  out << "[";
  collect::CsvRecord rec;
  while (reader.next(rec)) {
    if (!rec.ok) {
      err << path << ":" << rec.line << ": " << rec.error << " (column " << rec.error_column
          << ")\n";
      status = exit_failure;
      continue;
    }
    out << (first ? "\n  " : ",\n  ") << json::serialize(row_json(rec, *cols, ctx));
    first = false;
  }
  out << (first ? "]\n" : "\n]\n");
  if (!reader.status()) {
    err << "budgetwatch targets parse: " << path << ": " << reader.status().error().message << "\n";
    return exit_failure;
  }
  return status;
}

}  // namespace

int cmd_targets(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] != "parse") {
    err << usage;
    return exit_usage;
  }
  return cmd_parse(std::vector<std::string>(argv.begin() + 1, argv.end()), out, err);
}

}  // namespace bw::daemon
