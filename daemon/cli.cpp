#include "daemon/cli.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "collectors/ingest.h"
#include "config/load.h"
#include "config/warnings.h"
#include "daemon/alerts_cli.h"
#include "daemon/app.h"
#include "daemon/midyear_inputs.h"
#include "daemon/migrate_cli.h"
#include "daemon/targets_cli.h"
#include "daemon/args.h"
#include "daemon/clock.h"
#include "daemon/evaluation.h"
#include "engine/snapshot.h"
#include "reports/metric_catalogue.h"
#include "reports/report.h"
#include "reports/openmetrics_export.h"
#include "store/inputs.h"
#include "store/migrations.h"

namespace bw::daemon {
namespace {

constexpr const char* usage_text =
    "usage: budgetwatch <command> [options]\n"
    "\n"
    "commands:\n"
    "  run --config FILE [--create-database] [--quiet]\n"
    "      run the service: poll sources, evaluate, serve /metrics and the API; one daemon per database\n"
    "      file; a database deleted behind its back is not replaced by an empty one unless --create-database\n"
    "  check-config FILE      validate a config file and print the effective config (secrets masked)\n"
    "  config-reference       print the reference of every config key (docs/config-reference.md)\n"
    "  ingest --db FILE [--encoding auto|utf-8|gb18030] [--kind budget|adjustments|payments]\n"
    "         [--show-rejects N] [--max-reject-share R] [--reapply] [--strict] [--fiscal-year YYYY] PATH...\n"
    "      ingest budget registers, adjustments and treasury payment exports into the database: CSV,\n"
    "      .xlsx, .xls (BIFF8, or an HTML table or Excel 2003 XML saved as .xls), chosen by their bytes;\n"
    "      prints one line per file and every budget line a register revised (old → new); exits 1 when a\n"
    "      file cannot be read at all or is refused (every row, or more than R of its rows, rejected;\n"
    "      default 0.5); --strict also exits 1 when any row was rejected (the good rows are stored; the last\n"
    "      line says how many were rejected); --reapply applies a file whose bytes were ingested before again\n"
    "      (restores a register's lines); a register's fiscal year comes from its 预算年度 column, else\n"
    "      --fiscal-year, else its 完成时限 dates when they all fall in one fiscal year; otherwise the\n"
    "      register is refused\n"
    "  report --db FILE [--kind execution|monthly|midyear|yearend|circular] [--as-of YYYY-MM-DD]\n"
    "         [--format json|csv|md|html|xlsx] [--lang zh-CN|en] [--unit CODE] [--department CODE]\n"
    "         [--window 1-6|1-7] [--fiscal-start-month N] [--department-unit-code-digits N] [--time-zone TZ]\n"
    "         [--deadline-after-year-end fiscal_year_end|own_deadline] [--no-bom] [--issuer NAME] [--output FILE]\n"
    "      a report of the fiscal year that contains a date, as of that date (default: the latest payment\n"
    "      date in the database, no later than today in --time-zone, default Asia/Shanghai; stderr says\n"
    "      which), for everything, one department or one unit: the execution report (default), the monthly\n"
    "      report of the as-of month, the mid-year review of months 1-N (--window, default 1-6) or the year-end\n"
    "      tables and scores, or the monthly circular (预算执行进度通报: departments ranked, lagging projects,\n"
    "      month over month; --issuer names the bureau in its title); HTML is one self-contained page with\n"
    "      its charts; CSV starts with a UTF-8 BOM (for Excel) unless --no-bom; xlsx is an Excel workbook\n"
    "      (zh-CN, or English with --lang en): binary, so it is written to --output FILE, or to stdout only\n"
    "      when stdout is not a terminal; --output writes any format to FILE (replaced whole, never\n"
    "      half-written); --deadline-after-year-end: a line whose 完成时限 is after its fiscal year is watched\n"
    "      against the fiscal year's last day (fiscal_year_end, the default) or its own deadline (own_deadline)\n"
    "  export-openmetrics --from YYYY-MM-DD --to YYYY-MM-DD (--config FILE | --db FILE) [--output FILE]\n"
    "         [--time-zone TZ] [--fiscal-start-month N] [--label NAME=VALUE]...\n"
    "      month-end history of the /metrics snapshot series (execution, expected progress, paid, budget, ...)\n"
    "      as OpenMetrics text with timestamps (23:59:59 local time) for\n"
    "      `promtool tsdb create-blocks-from openmetrics`; --config takes the database, policy, time zone and\n"
    "      metrics.project_series of a config file; --label adds a label to every series (the job and\n"
    "      instance Prometheus gives the live series, e.g. --label job=budgetwatch --label\n"
    "      instance=127.0.0.1:9464, so the history joins them)\n"
    "  targets parse FILE.csv [--format json] [--encoding auto|utf-8|gb18030] [--fiscal-year YYYY]\n"
    "         [--fiscal-start-month N]\n"
    "      parse the target_raw (年度指标值) column of an indicators CSV; prints per row the comparator,\n"
    "      value, unit and deadline as JSON\n"
    "  alerts replay --config FILE --from YYYY-MM-DD --to YYYY-MM-DD [--step month|day] [--deliver]\n"
    "      step the alert cycle through past dates on the config's database (and deliver, with --deliver)\n"
    "  migrate --db FILE      create or upgrade the database schema (--db takes a SQLite file or, wherever\n"
    "                         it appears, a postgresql://user@host:port/db?sslmode=... URI)\n"
    "  migrate --from FILE.db --to postgresql://user@host:port/db\n"
    "      copy a SQLite deployment (every table: ledger, rejects, revisions, indicators, notes, alert state,\n"
    "      outbox, silences) into an empty PostgreSQL database in one transaction, ids kept, then verify it:\n"
    "      rows and money sums per table on both sides, printed as a table; exits 1 on any mismatch (rolled\n"
    "      back), a non-empty target, or a missing or damaged file; stop the daemon first\n"
    "  metrics-reference      print the table of the snapshot's metric families (README, Metrics)\n"
    "  version                print the version\n";

std::string version_string() { return std::string("budgetwatch ") + BW_VERSION; }

store::Database open_db(const std::string& path, bool auto_checkpoint = true) {
  store::OpenOptions o;
  o.auto_checkpoint = auto_checkpoint;
  store::Database db = store::Database::open(path, o);
  store::migrate(db);
  return db;
}

int cmd_ingest(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = Args::parse(
      argv, {"db", "encoding", "kind", "show-rejects", "source", "max-reject-share", "fiscal-year"},
      {"reapply", "strict"});
  if (!args) {
    err << "budgetwatch ingest: " << args.error().message << "\n";
    return exit_usage;
  }
  const auto db_path = args->get("db");
  if (!db_path || args->positionals().empty()) {
    err << "budgetwatch ingest: needs --db FILE and at least one PATH\n";
    return exit_usage;
  }
  collect::IngestOptions opt;
  auto enc = collect::parse_encoding_choice(args->get_or("encoding", "auto"));
  if (!enc) {
    err << "budgetwatch ingest: " << enc.error().message << "\n";
    return exit_usage;
  }
  opt.encoding = *enc;
  if (auto k = args->get("kind")) {
    opt.kind = store::parse_file_kind(*k);
    if (!opt.kind || (*opt.kind != store::FileKind::budget && *opt.kind != store::FileKind::adjustments &&
                      *opt.kind != store::FileKind::payments)) {
      err << "budgetwatch ingest: unknown kind '" << *k << "' (budget, adjustments or payments)\n";
      return exit_usage;
    }
  }
  opt.source = args->get_or("source", "cli");
  opt.reapply = args->flag("reapply");
  if (auto share = args->get("max-reject-share")) {
    const double v = std::strtod(share->c_str(), nullptr);
    if (!(v > 0.0 && v <= 1.0)) {
      err << "budgetwatch ingest: --max-reject-share takes a ratio in (0, 1], e.g. 0.5 (1 turns it off)\n";
      return exit_usage;
    }
    opt.limits.max_reject_share = v;
  }
  if (auto fy = args->get("fiscal-year")) {
    const bool digits = fy->size() == 4 && std::all_of(fy->begin(), fy->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || *fy < "1900" || *fy > "2999") {
      err << "budgetwatch ingest: --fiscal-year takes a year such as 2022, not '" << *fy << "'\n";
      return exit_usage;
    }
    opt.fiscal_year = std::stoi(*fy);
    opt.fiscal_year_from = "--fiscal-year";
  }
  const long show_rejects = std::stol(args->get_or("show-rejects", "10"));

  store::Database db = open_db(*db_path, /*auto_checkpoint=*/false);
  int status = exit_ok;
  std::int64_t rejected_rows = 0;  // in the files that were stored (--strict)
  int files_with_rejects = 0;
  for (const std::string& path : args->positionals()) {
    opt.received_at = utc_iso(std::chrono::system_clock::now());
    auto r = collect::ingest_file(db, path, opt);
    if (!r) {
      out << path << ": failed: " << r.error().message << "\n";
      status = exit_failure;
      continue;
    }
    if (r->duplicate_file) {
      out << path << ": duplicate file, already ingested (sha256 " << r->sha256.substr(0, 12) << ")\n";
      continue;
    }
    out << path << ": " << (r->reapplied ? "re-applied" : "ingested") << " kind=" << store::to_string(r->kind)
        << " encoding=" << r->encoding << " rows=" << r->rows_total << " accepted=" << r->accepted
        << " duplicate=" << r->duplicate << " rejected=" << r->rejected << " conflicts=" << r->conflicts
        << " revised=" << r->revised << " amount_yuan=" << engine::format_yuan(r->accepted_amount, false)
        << " ms=" << r->duration_ms;
    // A register says which fiscal year its lines went into, and what decided it (issue 14).
    for (std::size_t i = 0; i < r->fiscal_years.size(); ++i) {
      out << (i == 0 ? " fiscal_year=" : ",") << r->fiscal_years[i];
    }
    if (!r->fiscal_years.empty()) out << " (from " << r->fiscal_year_from << ")";
    out << "\n";
    if (r->rejected > 0) {
      rejected_rows += r->rejected;
      ++files_with_rejects;
    }
    // A register that changes recorded lines says so, line by line, with the old and new values.
    for (const auto& rev : r->revisions) out << "  revised " << rev.to_string() << "\n";
    // What the file states that does not add up (a 合计 row that is not the sum of the rows).
    for (const auto& w : r->warnings) err << "  warning: " << w << "\n";
    long shown = 0;
    for (const auto& rej : r->rejects) {
      if (shown++ >= show_rejects) break;
      err << "  " << rej.to_string() << "\n";
    }
    if (r->rejected > shown && show_rejects > 0) {
      err << "  … " << (r->rejected - std::min<long>(shown, r->rejected)) << " more rejected rows of " << path
          << " are in the database (table rejects)\n";
    }
  }
  db.checkpoint();
  // --strict: a rejected row fails the command (the files' good rows are stored all the same), and the last
  // line says how many.
  if (args->flag("strict") && rejected_rows > 0) {
    out << "strict: " << rejected_rows << (rejected_rows == 1 ? " row" : " rows") << " rejected in "
        << files_with_rejects << (files_with_rejects == 1 ? " file" : " files")
        << " (their other rows are stored): exit 1\n";
    status = exit_failure;
  }
  return status;
}


int cmd_report(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = Args::parse(
      argv,
      {"db", "kind", "as-of", "format", "unit", "department", "lang", "window", "fiscal-start-month", "time-zone",
       "department-unit-code-digits", "issuer", "output", "deadline-after-year-end"},
      {"no-bom"});
  if (!args) {
    err << "budgetwatch report: " << args.error().message << "\n";
    return exit_usage;
  }
  const auto db_path = args->get("db");
  if (!db_path) {
    err << "budgetwatch report: needs --db FILE\n";
    return exit_usage;
  }
  if (!store::is_server_uri(*db_path) && !std::filesystem::exists(*db_path)) {
    err << "budgetwatch report: no database at " << *db_path << " (run budgetwatch ingest first)\n";
    return exit_failure;
  }
  reports::ReportRequest request;
  {
    auto kind = reports::parse_report_kind(args->get_or("kind", "execution"));
    auto format = reports::parse_format(args->get_or("format", "json"));
    auto lang = reports::parse_lang(args->get_or("lang", "zh-CN"));
    auto window = reports::parse_window(args->get_or("window", "1-6"));
    for (const Error* e : {kind ? nullptr : &kind.error(), format ? nullptr : &format.error(),
                           lang ? nullptr : &lang.error(), window ? nullptr : &window.error()}) {
      if (e == nullptr) continue;
      err << "budgetwatch report: " << e->message << "\n";
      return exit_usage;
    }
    request = {*kind, *format, *lang, *window, args->get_or("issuer", "")};
  }
  const auto output = args->get("output");
  const bool to_stdout = !output || *output == "-";
  // A workbook is binary: written onto a terminal it garbles the screen and is lost, so it is refused there;
  // a pipe or a redirected stdout gets it (scripts, `> report.xlsx`).
  if (request.format == reports::Format::xlsx && to_stdout && &out == &std::cout && ::isatty(STDOUT_FILENO) != 0) {
    err << "budgetwatch report: an .xlsx workbook is binary and is not written to a terminal: add --output "
           "FILE.xlsx (or redirect stdout to a file)\n";
    return exit_usage;
  }
  engine::Policy policy;
  const int start_month = std::stoi(args->get_or("fiscal-start-month", "1"));
  if (start_month < 1 || start_month > 12) {
    err << "budgetwatch report: --fiscal-start-month must be 1..12\n";
    return exit_usage;
  }
  policy.fiscal_year_start_month = static_cast<unsigned>(start_month);
  if (auto digits = args->get("department-unit-code-digits")) {
    const int n = std::atoi(digits->c_str());
    if (n < 1 || n > 32) {
      err << "budgetwatch report: --department-unit-code-digits takes 1..32\n";
      return exit_usage;
    }
    policy.department_unit_code_digits = n;
  }
  if (auto d = args->get("deadline-after-year-end")) {
    // A line whose 完成时限 is after its fiscal year: against the year's end (default) or its own deadline.
    const auto policy_word = engine::parse_deadline_after_year_end(*d);
    if (!policy_word) {
      err << "budgetwatch report: --deadline-after-year-end is fiscal_year_end or own_deadline\n";
      return exit_usage;
    }
    policy.deadline_after_year_end = *policy_word;
  }
  engine::CivilDate as_of;
  if (auto s = args->get("as-of")) {
    auto d = engine::parse_date(*s);
    if (!d) {
      err << "budgetwatch report: --as-of: " << d.error().message << "\n";
      return exit_usage;
    }
    as_of = *d;
  }
  store::OpenOptions open_options;
  // A report reads the year's pages about once, in order (scans of the lines and the monthly sums): a small
  // page cache is recycled, where the default 64 MiB is fresh memory the kernel zeroes page by page for one
  // pass (a bureau's report: about a tenth of its CPU).
  open_options.cache_kib = 4 << 10;
  store::Database db = store::Database::open(*db_path, open_options);
  store::migrate(db);
  if (!args->get("as-of")) {
    // Without --as-of: the latest payment date in the database (a report of a past year's data looks at that
    // year, not at an empty today), no later than today; said on stderr (issue 17).
    auto tz = TimeZone::from_name(args->get_or("time-zone", "Asia/Shanghai"));
    if (!tz) {
      err << "budgetwatch report: " << tz.error().message << "\n";
      return exit_usage;
    }
    const engine::CivilDate today = tz->date_at(std::chrono::system_clock::now());
    const auto latest = store::latest_payment_date(db);
    as_of = latest && *latest < today ? *latest : today;
    err << "budgetwatch report: as of " << engine::to_iso(as_of)
        << (latest && *latest < today ? " (the latest payment date in the database)"
            : latest                  ? " (today; the database has payments up to " + engine::to_iso(*latest) + ")"
                                      : " (today: the database has no payments)")
        << "; --as-of YYYY-MM-DD to choose\n";
  }
  // The daemon's evaluation path (the API's ?unit= gives the same figures as --unit).
  auto e = evaluate_at(db, as_of, policy, args->get("unit"), /*with_indicators=*/false, args->get("department"));
  if (!e) {
    err << "budgetwatch report: " << e.error().message << "\n";
    return exit_failure;
  }
  if (e->snapshot->lines.empty()) {
    // An empty report is rarely what was meant: say which fiscal years have lines.
    std::string years;
    for (const int y : store::fiscal_years_with_lines(db)) years += (years.empty() ? "" : ", ") + std::to_string(y);
    err << "budgetwatch report: fiscal year " << e->snapshot->fiscal_year.year()
        << " has no budget lines in the database (fiscal years with lines: " << (years.empty() ? "none" : years)
        << ")\n";
  }
  const reports::MidyearInputs midyear = midyear_inputs(db, *e->snapshot);
  // The report is written as it is rendered, in chunks of about 1 MiB (a bureau's JSON is 66 MB: one string
  // of it cost fresh pages the kernel zeroes, a quarter of the report's time). False when a workbook's
  // temporary file could not be written (said on err).
  auto render = [&](reports::TextSink& sink) {
    // CSV starts with a UTF-8 BOM for Excel (issue 17) unless --no-bom (scripts).
    if (request.format == reports::Format::csv && !args->flag("no-bom")) sink.text() += reports::utf8_bom;
    try {
      reports::write_report(*e->snapshot, request, midyear, sink);
    } catch (const std::runtime_error& x) {
      err << "budgetwatch report: " << x.what() << "\n";
      return false;
    }
    sink.finish();
    return true;
  };
  if (to_stdout) {
    reports::TextSink sink(
        [&](std::string_view chunk) { out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())); });
    if (!render(sink)) return exit_failure;
    out.flush();
    return out ? exit_ok : exit_failure;
  }
  // Written beside the target and renamed, so a reader never sees half a file.
  const std::filesystem::path target(*output);
  std::filesystem::path tmp = target;
  tmp += ".tmp";
  std::size_t bytes = 0;
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    reports::TextSink sink([&](std::string_view chunk) {
      if (file) file.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    });
    const bool opened = file.is_open();
    const bool rendered = opened && render(sink);
    bytes = sink.size();
    file.close();
    if (!rendered || !file) {
      if (!opened || rendered) err << "budgetwatch report: cannot write " << tmp.string() << "\n";
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return exit_failure;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    err << "budgetwatch report: cannot write " << target.string() << ": " << ec.message() << "\n";
    std::filesystem::remove(tmp, ec);
    return exit_failure;
  }
  err << "budgetwatch report: " << reports::to_string(request.kind) << " report (" << reports::extension(request.format)
      << ", " << bytes << " bytes) written to " << target.string() << "\n";
  return exit_ok;
}

// export-openmetrics: the snapshot series at every month end of [--from, --to], as OpenMetrics with
// timestamps (issue #6, DESIGN §7 "History").
int cmd_export_openmetrics(const std::vector<std::string>& argv, std::ostream& out,
                           std::ostream& err) {
  auto args = Args::parse(
      argv, {"from", "to", "config", "db", "output", "time-zone", "fiscal-start-month", "label"}, {});
  if (!args) {
    err << "budgetwatch export-openmetrics: " << args.error().message << "\n";
    return exit_usage;
  }
  // --label NAME=VALUE, repeatable: checked before anything is read or written.
  std::vector<std::pair<std::string, std::string>> labels;
  for (const std::string& label : args->all("label")) {
    const auto eq = label.find('=');
    if (eq == std::string::npos) {
      err << "budgetwatch export-openmetrics: --label '" << label << "' is not NAME=VALUE\n";
      return exit_usage;
    }
    labels.emplace_back(label.substr(0, eq), label.substr(eq + 1));
  }
  if (const std::string e = reports::extra_labels_error(labels); !e.empty()) {
    err << "budgetwatch export-openmetrics: --label: " << e << "\n";
    return exit_usage;
  }
  const auto from_text = args->get("from");
  const auto to_text = args->get("to");
  if (!from_text || !to_text || (!args->get("config") && !args->get("db")) ||
      !args->positionals().empty()) {
    err << "budgetwatch export-openmetrics: needs --from YYYY-MM-DD --to YYYY-MM-DD and --config "
           "FILE or --db FILE\n";
    return exit_usage;
  }
  auto from = engine::parse_date(*from_text);
  auto to = engine::parse_date(*to_text);
  if (!from || !to) {
    err << "budgetwatch export-openmetrics: "
        << (!from ? "--from: " + from.error().message : "--to: " + to.error().message) << "\n";
    return exit_usage;
  }
  if (*to < *from) {
    err << "budgetwatch export-openmetrics: --to is before --from\n";
    return exit_usage;
  }

  engine::Policy policy;
  std::string db_path;
  std::string tz_name = "Asia/Shanghai";
  reports::OpenMetricsOptions options;
  options.extra_labels = labels;
  if (auto file = args->get("config")) {
    auto c = config::load_config(*file);
    if (!c) {
      err << "budgetwatch: config error: " << c.error().to_string() << "\n";
      return exit_config;
    }
    policy = c->policy;
    db_path = c->database.string();
    tz_name = c->evaluation.time_zone;
    options.project_series = c->metrics.project_series == config::ProjectSeries::none
                                 ? reports::ProjectSeriesFilter::none
                             : c->metrics.project_series == config::ProjectSeries::below_threshold
                                 ? reports::ProjectSeriesFilter::below_threshold
                                 : reports::ProjectSeriesFilter::all;
  }
  if (auto db = args->get("db")) db_path = *db;
  if (auto tz = args->get("time-zone")) tz_name = *tz;
  if (auto m = args->get("fiscal-start-month")) {
    const int start_month = std::stoi(*m);
    if (start_month < 1 || start_month > 12) {
      err << "budgetwatch export-openmetrics: --fiscal-start-month must be 1..12\n";
      return exit_usage;
    }
    policy.fiscal_year_start_month = static_cast<unsigned>(start_month);
  }
  auto tz = TimeZone::from_name(tz_name);
  if (!tz) {
    err << "budgetwatch export-openmetrics: " << tz.error().message << "\n";
    return exit_usage;
  }
  options.midnight_utc = [zone = *tz](engine::CivilDate d) { return zone.midnight_utc(d); };
  if (!store::is_server_uri(db_path) && !std::filesystem::exists(db_path)) {
    err << "budgetwatch export-openmetrics: no database at " << db_path
        << " (run budgetwatch ingest first)\n";
    return exit_failure;
  }
  const std::vector<engine::CivilDate> month_ends = reports::month_ends_between(*from, *to);
  if (month_ends.empty()) {
    err << "budgetwatch export-openmetrics: no month end between " << engine::to_iso(*from)
        << " and " << engine::to_iso(*to) << "\n";
    return exit_usage;
  }

  store::Database db = open_db(db_path);
  std::vector<engine::Snapshot> snapshots;
  snapshots.reserve(month_ends.size());
  for (const engine::CivilDate as_of : month_ends) {
    const auto fy = engine::FiscalYear::containing(as_of, policy.fiscal_year_start_month);
    snapshots.push_back(engine::evaluate(store::load_inputs(db, as_of, fy), as_of, policy));
  }

  const auto output = args->get("output");
  if (!output || *output == "-") {
    reports::write_openmetrics(out, snapshots, options);
    out.flush();
    return out ? exit_ok : exit_failure;
  }
  // Written beside the target and renamed, so a reader never sees half a file.
  const std::filesystem::path target(*output);
  std::filesystem::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "budgetwatch export-openmetrics: cannot write " << tmp.string() << "\n";
      return exit_failure;
    }
    reports::write_openmetrics(file, snapshots, options);
    file.close();
    if (!file) {
      err << "budgetwatch export-openmetrics: cannot write " << tmp.string() << "\n";
      std::filesystem::remove(tmp);
      return exit_failure;
    }
  }
  std::filesystem::rename(tmp, target);
  err << "budgetwatch export-openmetrics: " << month_ends.size() << " month ends ("
      << engine::to_iso(month_ends.front()) << " .. " << engine::to_iso(month_ends.back())
      << ") written to " << target.string();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    err << (i == 0 ? " with labels " : ",") << labels[i].first << "=\"" << labels[i].second << '"';
  }
  err << "\n";
  return exit_ok;
}

int cmd_migrate(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (is_migrate_copy(argv)) return cmd_migrate_copy(argv, out, err);
  auto args = Args::parse(argv, {"db"}, {});
  if (!args || !args->get("db")) {
    err << "budgetwatch migrate: needs --db FILE\n";
    return exit_usage;
  }
  store::Database db = store::Database::open(*args->get("db"));
  const int before = store::schema_version(db);
  const auto started = std::chrono::steady_clock::now();
  const int v = store::migrate(db);
  out << store::redact_uri(db.path().string()) << ": schema version " << v;
  if (before == 0) {
    out << " (created)";
  } else if (v != before) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    out << " (upgraded from " << before << " in " << ms / 1000 << "." << (ms % 1000) / 100 << " s)";
  } else {
    out << " (up to date)";
  }
  out << "\n";
  return exit_ok;
}

int cmd_check_config(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = Args::parse(argv, {"config"}, {});
  if (!args) {
    err << "budgetwatch check-config: " << args.error().message << "\n";
    return exit_usage;
  }
  std::string file = args->get_or("config", "");
  if (file.empty() && args->positionals().size() == 1) file = args->positionals()[0];
  if (file.empty()) {
    err << "budgetwatch check-config: needs a config FILE\n";
    return exit_usage;
  }
  auto c = config::load_config(file);
  if (!c) {
    err << c.error().to_string() << "\n";
    return exit_config;
  }
  out << "# " << file << ": ok\n" << config::print_config(*c);
  // Probable mistakes that still load (issue 12): stderr, the exit code stays 0.
  for (const std::string& w : config::warnings(*c)) err << "warning: " << file << ": " << w << "\n";
  return exit_ok;
}

int cmd_run(const std::vector<std::string>& argv, std::ostream&, std::ostream& err) {
  auto args = Args::parse(argv, {"config"}, {"quiet", "create-database"});
  if (!args || !args->get("config")) {
    err << "budgetwatch run: needs --config FILE\n";
    return exit_usage;
  }
  const std::string file = *args->get("config");
  auto c = config::load_config(file);
  if (!c) {
    err << "budgetwatch: config error: " << c.error().to_string() << "\n";
    return exit_config;
  }
#ifdef __GLIBC__
  // Blocks of 4 MiB and more (a bureau's metric families inflated for a plain scrape, an evaluation's
  // line vectors) are mapped and unmapped on their own. glibc otherwise raises this threshold as such
  // blocks are freed (up to 32 MiB) and serves the next ones from a thread's arena, where what one
  // thread freed is not what another allocates: measured on the bureau, the daemon's peak went from
  // 239 to 308 MB after 200 plain scrapes. Setting it turns the dynamic threshold off.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
  AppOptions o;
  o.config_file = file;
  o.announce = !args->flag("quiet");
  o.create_database = args->flag("create-database");
  auto app = App::create(std::move(*c), o);
  if (!app) {
    err << "budgetwatch: " << app.error().to_string() << "\n";
    return app.error().code == Errc::invalid_input ? exit_config : exit_failure;
  }
  return (*app)->run();
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << usage_text;
    return args.empty() ? exit_usage : exit_ok;
  }
  const std::string& cmd = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (cmd == "run") return cmd_run(rest, out, err);
    if (cmd == "check-config") return cmd_check_config(rest, out, err);
    if (cmd == "config-reference") {
      out << config::config_reference();
      return exit_ok;
    }
    if (cmd == "ingest") return cmd_ingest(rest, out, err);
    if (cmd == "report") return cmd_report(rest, out, err);
    if (cmd == "migrate") return cmd_migrate(rest, out, err);
    if (cmd == "export-openmetrics") return cmd_export_openmetrics(rest, out, err);
    if (cmd == "alerts") return cmd_alerts(rest, out, err);
    if (cmd == "targets") return cmd_targets(rest, out, err);
    if (cmd == "metrics-reference" && rest.empty()) {
      out << reports::metrics_reference_markdown();
      return exit_ok;
    }
    if (cmd == "version" || cmd == "--version") {
      out << version_string() << "\n";
      return exit_ok;
    }
  } catch (const std::exception& e) {
    err << "budgetwatch " << cmd << ": " << e.what() << "\n";
    return exit_failure;
  }
  err << "budgetwatch: unknown command '" << cmd << "'\n" << usage_text;
  return exit_usage;
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return run_cli(args, std::cout, std::cerr);
}

}  // namespace bw::daemon
