#include "collectors/csv_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bw::collect {
namespace {

constexpr std::size_t refill_bytes = std::size_t{1} << 20;
// Bytes of a bad record kept while skipping a line longer than the buffer: max_raw_bytes plus what
// truncate_raw() and the CR strip look at.
constexpr std::size_t raw_copy_cap = max_raw_bytes + 2;

std::size_t sat_add(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

std::string format_bytes(std::size_t n) {
  if (n % (std::size_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

// At most max_raw_bytes, not cutting a UTF-8 character.
std::string_view truncate_raw(std::string_view s) {
  if (s.size() <= max_raw_bytes) return s;
  std::size_t n = max_raw_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Bit i set when p[i] is the delimiter, a quote or LF (the only bytes the parser stops at; CR is
// handled where a line ends).
std::uint64_t special_mask(const char* p, char delim) {
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delim);
  const __m128i q = _mm_set1_epi8('"');
  const __m128i n = _mm_set1_epi8('\n');
  std::uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                     _mm_cmpeq_epi8(v, n));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit)))
            << (16 * k);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    if (c == delim || c == '"' || c == '\n') mask |= std::uint64_t{1} << i;
  }
  return mask;
#endif
}

}  // namespace

CsvReader::CsvReader(TextSource& src, char delimiter) : CsvReader(src, delimiter, CsvLimits{}) {}

CsvReader::CsvReader(TextSource& src, char delimiter, CsvLimits limits)
    : src_(src), delim_(delimiter), limits_(limits) {
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || delimiter == '\0') {
    throw std::invalid_argument("CSV delimiter cannot be a quote, CR, LF or NUL");
  }
}

bool CsvReader::next(CsvRecord& rec) {
  if (!status_) return false;
  for (;;) {
    switch (parse(rec)) {
      case Step::record:
        return true;
      case Step::end:
        return false;
      case Step::need_more:
        if (!fill()) return false;
        break;
    }
  }
}

// Drops the consumed text, then reads at least refill_bytes. A record cut by the end of the buffer
// is parsed again from its start after the read, so the read at least doubles what is kept of it
// (looping over a source that returns little at a time): re-parsing then stays linear in the
// record's size.
bool CsvReader::fill() {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  block_valid_ = false;
  const std::size_t kept = buf_.size();
  const std::size_t want = std::max(refill_bytes, kept);
  std::size_t added = 0;
  do {
    auto got = src_.read(buf_, want - added);
    if (!got) {
      status_ = tl::unexpected(got.error());
      return false;
    }
    if (*got == 0) {
      eof_ = true;
      break;
    }
    added += *got;
  } while (added < kept);
  return true;
}

std::size_t CsvReader::next_special(std::size_t pos) {
  const std::size_t end = buf_.size();
  for (;;) {
    if (block_valid_ && pos >= block_ && pos - block_ < 64) {
      const std::uint64_t m = block_mask_ & (~std::uint64_t{0} << (pos - block_));
      if (m != 0) return block_ + static_cast<std::size_t>(std::countr_zero(m));
      pos = block_ + 64;
    }
    if (pos >= end) return end;
    block_ = pos;
    block_valid_ = true;
    if (end - pos >= 64) {
      block_mask_ = special_mask(buf_.data() + pos, delim_);
    } else {
      char tail[64] = {};  // NUL is never special
      std::memcpy(tail, buf_.data() + pos, end - pos);
      block_mask_ = special_mask(tail, delim_);
    }
  }
}

std::string CsvReader::limit_reason(bool field) const {
  return field ? "unclosed quote (field longer than " +
                     format_bytes(limits_.max_quoted_field_bytes) + ")"
               : "record longer than " + format_bytes(limits_.max_record_bytes);
}

void CsvReader::add_field(CsvRecord& rec, std::size_t begin, std::size_t end, bool escaped) {
  const char* b = buf_.data();
  if (!escaped) {
    rec.fields.emplace_back(b + begin, end - begin);
    return;
  }
  // The views into scratch_ are made once the record is complete (scratch_ may reallocate until
  // then).
  const std::size_t offset = scratch_.size();
  std::size_t i = begin;
  while (i < end) {
    const void* q = std::memchr(b + i, '"', end - i);
    const std::size_t stop =
        q ? static_cast<std::size_t>(static_cast<const char*>(q) - b) + 1 : end;
    scratch_.append(b + i, stop - i);
    i = stop + (q ? 1 : 0);  // skip the second quote of ""
  }
  unescaped_.push_back({rec.fields.size(), offset, scratch_.size() - offset});
  rec.fields.emplace_back();
}

// Every byte position the parser examines is checked against `limit` (the nearer of the record
// limit and, inside a quoted field, the field limit) before it is interpreted, and at a read
// boundary the last byte is checked too. Positions only grow, so a limit is hit at the same place
// however the text was split into reads, and no error can be found "past" it.
CsvReader::Step CsvReader::parse(CsvRecord& rec) {
  const char* const b = buf_.data();
  const std::size_t end = buf_.size();
  std::size_t p = pos_;
  for (;;) {  // empty lines
    if (p == end) {
      pos_ = p;
      return eof_ ? Step::end : Step::need_more;
    }
    if (b[p] == '\n') {
      ++p;
      ++line_;
      continue;
    }
    if (b[p] == '\r') {
      if (p + 1 == end) {
        if (eof_) {
          ++p;
          continue;
        }
        pos_ = p;
        return Step::need_more;
      }
      if (b[p + 1] == '\n') {
        p += 2;
        ++line_;
        continue;
      }
    }
    break;
  }
  pos_ = p;
  const std::size_t start = p;
  const std::size_t record_limit = sat_add(start, limits_.max_record_bytes);
  std::size_t limit = record_limit;
  bool limit_is_field = false;
  int newlines = 0;
  int column = 0;
  rec.fields.clear();
  scratch_.clear();
  unescaped_.clear();

  const auto overflow = [&]() {
    return finish_bad(rec, start, start, 0, column, limit_reason(limit_is_field));
  };

  for (;;) {
    ++column;
    if (p < end && b[p] == '"') {
      if (p >= limit) return overflow();
      const std::size_t open = p;
      const std::size_t field_limit = sat_add(open, sat_add(limits_.max_quoted_field_bytes, 2));
      if (field_limit <= limit) {
        limit = field_limit;
        limit_is_field = true;
      }
      bool escaped = false;
      std::size_t q = p + 1;
      std::size_t close;
      for (;;) {
        const std::size_t s = next_special(q);
        if (s == end) {
          if (end - 1 >= limit) return overflow();
          if (!eof_) return Step::need_more;
          return finish_bad(rec, start, end, newlines, column, "unclosed quote at end of file");
        }
        if (s >= limit) return overflow();
        if (b[s] == '\n') {
          ++newlines;
          q = s + 1;
          continue;
        }
        if (b[s] != '"') {
          q = s + 1;
          continue;
        }
        if (s + 1 == end) {
          if (!eof_) return Step::need_more;
          close = s;
          break;
        }
        if (b[s + 1] == '"') {
          if (s + 1 >= limit) return overflow();
          escaped = true;
          q = s + 2;
          continue;
        }
        close = s;
        break;
      }
      add_field(rec, open + 1, close, escaped);
      limit = record_limit;
      limit_is_field = false;
      p = close + 1;
      if (p == end) {
        if (!eof_) return Step::need_more;
        return finish_good(rec, start, p, p, newlines);
      }
      if (p >= limit) return overflow();
      const char c = b[p];
      if (c == delim_) {
        ++p;
        continue;
      }
      if (c == '\n') return finish_good(rec, start, p, p + 1, newlines + 1);
      if (c == '\r') {
        if (p + 1 == end) {
          if (!eof_) return Step::need_more;
          return finish_good(rec, start, p, p + 1, newlines);
        }
        if (p + 1 >= limit) return overflow();
        if (b[p + 1] == '\n') return finish_good(rec, start, p, p + 2, newlines + 1);
      }
      return finish_bad(rec, start, p, newlines, column, "text after a closing quote");
    }

    const std::size_t s = next_special(p);
    if (s == end) {
      if (end - 1 >= limit) return overflow();
      if (!eof_) return Step::need_more;
      std::size_t field_end = end;
      if (field_end > p && b[field_end - 1] == '\r') --field_end;
      add_field(rec, p, field_end, false);
      return finish_good(rec, start, field_end, end, newlines);
    }
    if (s >= limit) return overflow();
    if (b[s] == delim_) {
      add_field(rec, p, s, false);
      p = s + 1;
      continue;
    }
    if (b[s] == '\n') {
      std::size_t field_end = s;
      if (field_end > p && b[field_end - 1] == '\r') --field_end;
      add_field(rec, p, field_end, false);
      return finish_good(rec, start, field_end, s + 1, newlines + 1);
    }
    return finish_bad(rec, start, s, newlines, column, "stray quote in an unquoted field");
  }
}

CsvReader::Step CsvReader::finish_good(CsvRecord& rec, std::size_t start, std::size_t text_end,
                                       std::size_t next_pos, int newlines) {
  for (const Unescaped& u : unescaped_)
    rec.fields[u.field] = std::string_view(scratch_).substr(u.offset, u.size);
  rec.line = line_;
  rec.raw = truncate_raw(std::string_view(buf_).substr(start, text_end - start));
  rec.ok = true;
  rec.error_column = 0;
  rec.error.clear();
  rec.terminated = next_pos > text_end;  // the line break lies between the text and the next record
  line_ += newlines;
  pos_ = next_pos;
  return Step::record;
}

// A malformed record ends at the first LF at or after `from` (`newlines` LFs lie between `start`
// and `from`). When that LF is not in the buffer, the rest of the line is skipped read by read,
// keeping only the first bytes for `raw`.
CsvReader::Step CsvReader::finish_bad(CsvRecord& rec, std::size_t start, std::size_t from,
                                      int newlines, int column, std::string_view reason) {
  rec.fields.clear();
  rec.line = line_;
  rec.ok = false;
  rec.error_column = column;
  rec.error.assign(reason);
  const auto strip_cr = [](std::string_view s) {
    return !s.empty() && s.back() == '\r' ? s.substr(0, s.size() - 1) : s;
  };
  const std::size_t end = buf_.size();
  const void* lf = std::memchr(buf_.data() + from, '\n', end - from);
  if (lf != nullptr || eof_) {
    const std::size_t text_end =
        lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - buf_.data()) : end;
    std::string_view raw = std::string_view(buf_).substr(start, text_end - start);
    if (!lf && !raw.empty() && raw.back() == '\n')
      raw.remove_suffix(1);  // unclosed quote: input ends "\n"
    rec.terminated = lf != nullptr || (end > start && (buf_[end - 1] == '\n' || buf_[end - 1] == '\r'));
    rec.raw = truncate_raw(strip_cr(raw));
    line_ += newlines + (lf ? 1 : 0);
    pos_ = lf ? text_end + 1 : end;
    return Step::record;
  }
  line_ += newlines;
  std::size_t total = end - start;
  raw_copy_.assign(buf_, start, std::min(total, raw_copy_cap));
  bool found = false;
  while (!found) {
    buf_.clear();
    pos_ = 0;
    block_valid_ = false;
    auto got = src_.read(buf_, refill_bytes);
    if (!got) {
      status_ = tl::unexpected(got.error());
      return Step::end;
    }
    if (*got == 0) {
      eof_ = true;
      break;
    }
    const void* nl = std::memchr(buf_.data(), '\n', buf_.size());
    found = nl != nullptr;
    const std::size_t upto =
        found ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data()) : buf_.size();
    if (raw_copy_.size() < raw_copy_cap)
      raw_copy_.append(buf_, 0, std::min(upto, raw_copy_cap - raw_copy_.size()));
    total += upto;
    if (found) {
      pos_ = upto + 1;
      ++line_;
    } else {
      pos_ = buf_.size();
    }
  }
  // Not found: the input ended inside the line (a final CR still counts as its line break).
  rec.terminated = found || (!raw_copy_.empty() && raw_copy_.size() == total && raw_copy_.back() == '\r');
  std::string_view raw = raw_copy_;
  if (raw.size() == total) raw = strip_cr(raw);  // the whole line was kept: drop the CR of a CRLF
  rec.raw = truncate_raw(raw);
  return Step::record;
}

}  // namespace bw::collect
