// Ingest, phase by phase, on one export file: pass 1 (hash + encoding), CSV records, row parsing,
// and the full ingest into a fresh SQLite file. Prints one line per phase with rows/s and MB/s;
// used by bench/run.sh. Usage: ingest_phases_bench PAYMENTS.csv [BUDGET.csv ADJUSTMENTS.csv]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "collectors/column_map.h"
#include "collectors/csv_reader.h"
#include "collectors/encoding.h"
#include "collectors/ingest.h"
#include "collectors/row_parsers.h"
#include "store/migrations.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void print(const char* phase, double s, long rows, double mb) {
  std::printf("%-28s %8.3f s %12.0f rows/s %9.1f MB/s\n", phase, s, rows / s, mb / s);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bw;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PAYMENTS.csv [BUDGET.csv ADJUSTMENTS.csv]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path file = argv[1];
  const double mb = static_cast<double>(std::filesystem::file_size(file)) / 1e6;

  auto t = Clock::now();
  auto facts = collect::inspect_file(file, collect::EncodingChoice::auto_detect);
  if (!facts) {
    std::fprintf(stderr, "%s\n", facts.error().message.c_str());
    return 1;
  }
  const double inspect_s = seconds_since(t);

  t = Clock::now();
  long records = 0;
  {
    auto src = collect::open_text_file(file, facts->encoding);
    collect::CsvReader reader(**src);
    collect::CsvRecord rec;
    while (reader.next(rec)) ++records;
  }
  const double csv_s = seconds_since(t);

  t = Clock::now();
  long parsed = 0;
  {
    auto src = collect::open_text_file(file, facts->encoding);
    collect::CsvReader reader(**src);
    collect::CsvRecord rec;
    reader.next(rec);
    collect::ColumnMap map;
    auto cols = map.resolve(rec.fields, std::nullopt);
    const store::BasicLinesByUnit basic;
    while (reader.next(rec)) {
      if (collect::parse_payment(rec, *cols, basic)) ++parsed;
    }
  }
  const double parse_s = seconds_since(t);

  const auto db_path = std::filesystem::temp_directory_path() / "bw-ingest-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db_path.string() + suffix);
  double ingest_s = 0;
  {
    store::OpenOptions oo;
    oo.auto_checkpoint = false;
    store::Database db = store::Database::open(db_path, oo);
    store::migrate(db);
    collect::IngestOptions o;
    for (int i = 2; i < argc; ++i) (void)collect::ingest_file(db, argv[i], o);
    t = Clock::now();
    auto r = collect::ingest_file(db, file, o);
    ingest_s = seconds_since(t);
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
      return 1;
    }
    t = Clock::now();
    db.checkpoint();
  }
  const double close_s = seconds_since(t);

  std::printf("file %s: %.1f MB, %ld records, encoding %s\n", file.filename().c_str(), mb,
              records - 1, std::string(collect::to_string(facts->encoding)).c_str());
  print("pass 1 (sha256 + encoding)", inspect_s, records - 1, mb);
  print("pass 2 CSV records", csv_s, records - 1, mb);
  print("pass 2 CSV + row parsing", parse_s, parsed, mb);
  print("full ingest (both passes)", ingest_s, parsed, mb);
  print("WAL checkpoint + close", close_s, parsed, mb);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS %.1f MB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db_path.string() + suffix);
  return 0;
}
