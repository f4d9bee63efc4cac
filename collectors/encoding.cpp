#include "collectors/encoding.h"

#include <fcntl.h>
#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "net/crypto.h"

namespace bw::collect {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF"sv;

std::string os_reason(int err) { return std::generic_category().message(err); }

// ---------------------------------------------------------------------------------------------------------
// Byte-level validators. scan_*() check a buffer and say where it stops being valid; the caller
// carries an incomplete sequence at a chunk end over to the next chunk (StreamValidator).

enum class ScanStatus { ok, incomplete, bad };
struct ScanResult {
  ScanStatus status;
  std::size_t
      pos;  // ok: n; incomplete: start of the trailing valid prefix; bad: start of the bad sequence
};

// Returns the index of the first byte >= 0x80 at or after i, or n; 8 bytes per step.
inline std::size_t skip_ascii(const unsigned char* s, std::size_t i, std::size_t n) {
  constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
  while (n - i >= 8) {
    std::uint64_t w;
    std::memcpy(&w, s + i, 8);
    const std::uint64_t h = w & high_bits;
    if (h != 0) {
      if constexpr (std::endian::native == std::endian::little) {
        return i + static_cast<std::size_t>(std::countr_zero(h) >> 3);
      } else {
        break;
      }
    }
    i += 8;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
ScanResult scan_utf8(const unsigned char* s, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = s[i];
    if (c < 0x80) {
      i = skip_ascii(s, i + 1, n);
      continue;
    }
    // Common case in Chinese text: a three-byte character E1..EC / EE..EF with two continuation
    // bytes.
    if (n - i >= 3 && (c & 0xF0) == 0xE0 && c != 0xE0 && c != 0xED && is_cont(s[i + 1]) &&
        is_cont(s[i + 2])) {
      i += 3;
      continue;
    }
    if (c < 0xC2 || c > 0xF4) return {ScanStatus::bad, i};
    if (c < 0xE0) {
      if (n - i < 2) return {ScanStatus::incomplete, i};
      if (!is_cont(s[i + 1])) return {ScanStatus::bad, i};
      i += 2;
      continue;
    }
    unsigned lo = 0x80, hi = 0xBF;
    if (c == 0xE0)
      lo = 0xA0;  // overlong
    else if (c == 0xED)
      hi = 0x9F;  // surrogates
    else if (c == 0xF0)
      lo = 0x90;  // overlong
    else if (c == 0xF4)
      hi = 0x8F;  // above U+10FFFF
    if (n - i < 2) return {ScanStatus::incomplete, i};
    if (s[i + 1] < lo || s[i + 1] > hi) return {ScanStatus::bad, i};
    if (n - i < 3) return {ScanStatus::incomplete, i};
    if (!is_cont(s[i + 2])) return {ScanStatus::bad, i};
    if (c < 0xF0) {
      i += 3;
      continue;
    }
    if (n - i < 4) return {ScanStatus::incomplete, i};
    if (!is_cont(s[i + 3])) return {ScanStatus::bad, i};
    i += 4;
  }
  return {ScanStatus::ok, n};
}

// A four-byte GB18030 code b1 b2 b3 b4 (81-FE 30-39 81-FE 30-39) that glibc's iconv maps. Linear
// index
// ((b1-0x81)*10 + b2-0x30)*1260 + (b3-0x81)*10 + b4-0x30: 0..39419 (81308130..8431A439) is the BMP,
// except two runs glibc leaves unmapped (their characters have two-byte codes); 90308130..E3329A35
// is U+10000..U+10FFFF. Checked exhaustively against iconv in encoding_test.
inline bool gb_four_byte_mapped(unsigned b1, unsigned b2, unsigned b3, unsigned b4) {
  const std::uint32_t lin =
      ((b1 - 0x81) * 10 + (b2 - 0x30)) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
  if (b1 < 0x90) {
    return lin <= 39419 && !(lin >= 19057 && lin <= 19064) && !(lin >= 39076 && lin <= 39085);
  }
  constexpr std::uint32_t supplementary_base = (0x90 - 0x81) * 12600;
  return lin - supplementary_base <= 0x10FFFF - 0x10000;
}

ScanResult scan_gb18030(const unsigned char* s, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = s[i];
    if (c < 0x80) {
      i = skip_ascii(s, i + 1, n);
      continue;
    }
    if (c == 0x80 || c == 0xFF) return {ScanStatus::bad, i};
    if (n - i < 2) return {ScanStatus::incomplete, i};
    const unsigned c2 = s[i + 1];
    if (c2 >= 0x40 && c2 <= 0xFE && c2 != 0x7F) {
      i += 2;
      continue;
    }
    if (c2 < 0x30 || c2 > 0x39) return {ScanStatus::bad, i};
    if (n - i < 3) return {ScanStatus::incomplete, i};
    const unsigned c3 = s[i + 2];
    if (c3 < 0x81 || c3 == 0xFF) return {ScanStatus::bad, i};
    if (n - i < 4) return {ScanStatus::incomplete, i};
    const unsigned c4 = s[i + 3];
    if (c4 < 0x30 || c4 > 0x39 || !gb_four_byte_mapped(c, c2, c3, c4)) return {ScanStatus::bad, i};
    i += 4;
  }
  return {ScanStatus::ok, n};
}

using ScanFn = ScanResult (*)(const unsigned char*, std::size_t);

// Validates a stream fed chunk by chunk; a sequence split by a chunk end is completed byte by byte
// from the next chunk (at most 3 bytes are carried).
class StreamValidator {
 public:
  explicit StreamValidator(ScanFn scan) : scan_(scan) {}

  // False once a bad sequence is found; bad_offset() then says where.
  bool feed(std::string_view chunk) {
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    const std::size_t n = chunk.size();
    std::size_t i = 0;
    while (carry_len_ > 0 && i < n) {
      carry_[carry_len_++] = p[i++];
      const ScanResult r = scan_(carry_, carry_len_);
      if (r.status == ScanStatus::bad) {
        bad_ = carry_off_;
        return false;
      }
      if (r.status == ScanStatus::ok) carry_len_ = 0;
    }
    if (carry_len_ == 0 && i < n) {
      const ScanResult r = scan_(p + i, n - i);
      if (r.status == ScanStatus::bad) {
        bad_ = offset_ + i + r.pos;
        return false;
      }
      if (r.status == ScanStatus::incomplete) {
        carry_len_ = n - i - r.pos;
        std::memcpy(carry_, p + i + r.pos, carry_len_);
        carry_off_ = offset_ + i + r.pos;
      }
    }
    offset_ += n;
    return true;
  }

  // End of input: an incomplete sequence left over is bad.
  bool finish() {
    if (carry_len_ == 0) return true;
    bad_ = carry_off_;
    return false;
  }

  std::uint64_t bad_offset() const { return bad_; }

 private:
  ScanFn scan_;
  unsigned char carry_[8] = {};
  std::size_t carry_len_ = 0;
  std::uint64_t carry_off_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t bad_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// Files.

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<Fd> open_read(const std::filesystem::path& path, bool no_follow) {
  // no_follow: a drop folder's name swapped for a symlink fails (ELOOP), one swapped for a FIFO does not block.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (no_follow ? O_NOFOLLOW | O_NONBLOCK : 0));
  if (fd < 0) return fail(Errc::io, "cannot open file: " + os_reason(errno), path.string());
  Fd out(fd);
  struct stat st {};
  if (no_follow && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)))
    return fail(Errc::io, "cannot open file: not a regular file", path.string());
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return out;
}

// Reads up to n bytes at `offset`, fewer only at end of file.
Result<std::size_t> pread_full(int fd, char* buf, std::size_t n, std::uint64_t offset,
                               const std::filesystem::path& path) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::io, "cannot read file: " + os_reason(errno), path.string());
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

// Random access to the raw input for pass 1 and for line numbers in error messages.
class RawInput {
 public:
  virtual ~RawInput() = default;
  // The bytes from `offset` on (at least one unless at end of input); valid until the next call.
  virtual Result<std::string_view> at(std::uint64_t offset) = 0;
  virtual const std::string& where() const = 0;
};

class BytesInput final : public RawInput {
 public:
  explicit BytesInput(std::string_view bytes) : bytes_(bytes) {}
  Result<std::string_view> at(std::uint64_t offset) override {
    return offset >= bytes_.size() ? std::string_view{} : bytes_.substr(offset);
  }
  const std::string& where() const override { return where_; }

 private:
  std::string_view bytes_;
  std::string where_;
};

class FileInput final : public RawInput {
 public:
  // `fd` stays owned by the caller.
  FileInput(int fd, const std::filesystem::path& path)
      : fd_(fd), path_(path), where_(path.string()), buf_(read_chunk_bytes) {}
  Result<std::string_view> at(std::uint64_t offset) override {
    auto got = pread_full(fd_, buf_.data(), buf_.size(), offset, path_);
    if (!got) return tl::unexpected(got.error());
    return std::string_view(buf_.data(), *got);
  }
  const std::string& where() const override { return where_; }

 private:
  int fd_;
  const std::filesystem::path& path_;
  std::string where_;
  std::vector<char> buf_;
};

// 1 + the LF bytes before `offset`. Only on error paths (it re-reads the input).
Result<std::uint64_t> line_at(RawInput& in, std::uint64_t offset) {
  std::uint64_t line = 1, off = 0;
  while (off < offset) {
    auto chunk = in.at(off);
    if (!chunk) return tl::unexpected(chunk.error());
    if (chunk->empty()) break;
    const std::string_view part = chunk->substr(
        0, static_cast<std::size_t>(std::min<std::uint64_t>(chunk->size(), offset - off)));
    line += static_cast<std::uint64_t>(std::count(part.begin(), part.end(), '\n'));
    off += part.size();
  }
  return line;
}

tl::unexpected<Error> bad_text(RawInput& in, std::string_view what, std::uint64_t offset) {
  auto line = line_at(in, offset);
  if (!line) return tl::unexpected(line.error());
  return fail(Errc::invalid_input,
              "not valid " + std::string(what) + " text (line " + std::to_string(*line) +
                  ", byte offset " + std::to_string(offset) + ")",
              in.where());
}

Result<FileFacts> inspect(RawInput& in, EncodingChoice choice) {
  std::string head;
  {
    auto first = in.at(0);
    if (!first) return tl::unexpected(first.error());
    head = first->substr(0, 4);
  }
  if (head.starts_with("\xFF\xFE\x00\x00"sv) || head.starts_with("\x00\x00\xFE\xFF"sv)) {
    return fail(Errc::invalid_input, "UTF-32 text is not supported; export as UTF-8 or GB18030",
                in.where());
  }
  if (head.starts_with("\xFF\xFE"sv) || head.starts_with("\xFE\xFF"sv)) {
    return fail(Errc::invalid_input, "UTF-16 text is not supported; export as UTF-8 or GB18030",
                in.where());
  }
  FileFacts facts;
  facts.bom = head.starts_with(utf8_bom);
  if (facts.bom && choice == EncodingChoice::gb18030) {
    return fail(Errc::invalid_input,
                "starts with a UTF-8 byte order mark, but the encoding is set to GB18030",
                in.where());
  }
  // After a BOM the file has said it is UTF-8: no fallback to GB18030.
  const bool utf8_only = choice == EncodingChoice::utf8 || facts.bom;
  bool try_utf8 = choice != EncodingChoice::gb18030;
  bool try_gb = choice == EncodingChoice::gb18030;
  StreamValidator utf8(scan_utf8), gb(scan_gb18030);
  std::optional<std::uint64_t> utf8_bad;
  net::Sha256 sha;
  std::uint64_t off = 0, hashed = 0;

  // UTF-8 is tried first. When it fails in auto mode, GB18030 starts over from byte 0 (re-reading
  // the prefix: for a GB18030 file UTF-8 fails within the first bytes, so that costs nothing);
  // hashing never repeats.
  for (;;) {
    auto chunk = in.at(off);
    if (!chunk) return tl::unexpected(chunk.error());
    const std::string_view c = *chunk;
    const bool utf8_ok = !try_utf8 || (c.empty() ? utf8.finish() : utf8.feed(c));
    if (!utf8_ok) {
      utf8_bad = utf8.bad_offset();
      if (utf8_only) return bad_text(in, "UTF-8", *utf8_bad);
      try_utf8 = false;
      try_gb = true;
      if (off != 0) {
        off = 0;
        continue;
      }
    }
    if (c.empty()) {
      if (try_gb && !gb.finish()) break;
      facts.sha256 = sha.hex();
      facts.size_bytes = hashed;
      facts.encoding = try_utf8 ? Encoding::utf8 : Encoding::gb18030;
      return facts;
    }
    if (off + c.size() > hashed) {
      sha.update(c.substr(static_cast<std::size_t>(hashed - off)));
      hashed = off + c.size();
    }
    if (try_gb && !gb.feed(c)) break;
    off += c.size();
  }
  // GB18030 failed too (or was the explicit choice).
  if (!utf8_bad) return bad_text(in, "GB18030", gb.bad_offset());
  return bad_text(in, "UTF-8 or GB18030", std::max(*utf8_bad, gb.bad_offset()));
}

// ---------------------------------------------------------------------------------------------------------
// Text sources.

class Utf8BytesSource final : public TextSource {
 public:
  explicit Utf8BytesSource(std::string_view bytes)
      : rest_(bytes.starts_with(utf8_bom) ? bytes.substr(utf8_bom.size()) : bytes) {}
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    const std::size_t n = std::min(max, rest_.size());
    out.append(rest_.data(), n);
    rest_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view rest_;
};

class Utf8FileSource final : public TextSource {
 public:
  Utf8FileSource(Fd fd, std::filesystem::path path, std::uint64_t start)
      : fd_(std::move(fd)), path_(std::move(path)), offset_(start) {}
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    const std::size_t old = out.size();
    out.resize(old + max);
    auto got = pread_full(fd_.get(), out.data() + old, max, offset_, path_);
    if (!got) {
      out.resize(old);
      return got;
    }
    out.resize(old + *got);
    offset_ += *got;
    return *got;
  }

 private:
  Fd fd_;
  std::filesystem::path path_;
  std::uint64_t offset_;
};

class Iconv {
 public:
  static Result<Iconv> open() {
    // glibc names the target first: GB18030 → UTF-8.
    const iconv_t cd = ::iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) {
      return fail(Errc::internal,
                  "GB18030 decoding is unavailable: iconv_open: " + os_reason(errno));
    }
    return Iconv(cd);
  }
  Iconv(Iconv&& o) noexcept : cd_(std::exchange(o.cd_, nullptr)) {}
  Iconv& operator=(Iconv&&) = delete;
  ~Iconv() {
    if (cd_ != nullptr) ::iconv_close(cd_);
  }
  iconv_t get() const { return cd_; }

 private:
  explicit Iconv(iconv_t cd) : cd_(cd) {}
  iconv_t cd_;
};

// GB18030 → UTF-8 with iconv straight into the caller's string. The raw input comes in windows
// (refill()); iconv's EINVAL (a sequence cut by the window end) keeps those bytes for the next
// window.
class Gb18030Source : public TextSource {
 public:
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    if (!pending_.empty()) {  // left over from a call with a tiny `max`
      const std::size_t n = std::min(max, pending_.size());
      out.append(pending_, 0, n);
      pending_.erase(0, n);
      return n;
    }
    const std::size_t old = out.size();
    out.resize(old + max);
    char* op = out.data() + old;
    std::size_t oleft = max;
    auto produced = convert(op, oleft);
    if (!produced) {
      out.resize(old);
      return produced;
    }
    if (*produced == 0 && in_left_ > 0) {
      // Not even one character fits: convert one into pending_ and hand out its first bytes.
      char tmp[16];
      char* tp = tmp;
      std::size_t tleft = sizeof tmp;
      auto one = convert(tp, tleft);
      if (!one) {
        out.resize(old);
        return one;
      }
      pending_.assign(tmp, *one);
      out.resize(old);
      return read(out, max);
    }
    out.resize(old + *produced);
    return *produced;
  }

 protected:
  explicit Gb18030Source(Iconv cd) : cd_(std::move(cd)) {}
  // Makes more raw input available after the in_ptr_/in_left_ window (keeping its unconsumed bytes)
  // and returns false at end of input.
  virtual Result<bool> refill() = 0;
  // The error for a bad or incomplete sequence at raw offset `offset`.
  virtual Error bad_sequence(std::uint64_t offset) = 0;

  char* in_ptr_ = nullptr;  // unconsumed raw input
  std::size_t in_left_ = 0;
  std::uint64_t in_off_ = 0;  // raw offset of in_ptr_

 private:
  Result<std::size_t> convert(char*& op, std::size_t& oleft) {
    const std::size_t start = oleft;
    for (;;) {
      if (in_left_ == 0 || need_input_) {
        if (eof_) {
          if (in_left_ > 0)
            return tl::unexpected(bad_sequence(in_off_));  // cut off at end of input
          break;
        }
        auto more = refill();
        if (!more) return tl::unexpected(more.error());
        if (!*more) eof_ = true;
        need_input_ = false;
        continue;
      }
      char* const before = in_ptr_;
      const std::size_t r = ::iconv(cd_.get(), &in_ptr_, &in_left_, &op, &oleft);
      in_off_ += static_cast<std::uint64_t>(in_ptr_ - before);
      if (r != static_cast<std::size_t>(-1)) continue;  // window consumed
      if (errno == E2BIG) break;                        // output full
      if (errno == EINVAL) {
        need_input_ = true;
        continue;
      }
      return tl::unexpected(bad_sequence(in_off_));  // EILSEQ
    }
    return start - oleft;
  }

  Iconv cd_;
  bool eof_ = false;
  bool need_input_ = false;
  std::string pending_;
};

class Gb18030BytesSource final : public Gb18030Source {
 public:
  Gb18030BytesSource(Iconv cd, std::string_view bytes)
      : Gb18030Source(std::move(cd)), bytes_(bytes) {
    // iconv takes char** but never writes through it.
    in_ptr_ = const_cast<char*>(bytes.data());
    in_left_ = bytes.size();
  }

 private:
  Result<bool> refill() override { return false; }
  Error bad_sequence(std::uint64_t offset) override {
    BytesInput in(bytes_);
    return bad_text(in, "GB18030", offset).value();
  }
  std::string_view bytes_;
};

class Gb18030FileSource final : public Gb18030Source {
 public:
  Gb18030FileSource(Iconv cd, Fd fd, std::filesystem::path path)
      : Gb18030Source(std::move(cd)),
        fd_(std::move(fd)),
        path_(std::move(path)),
        buf_(read_chunk_bytes) {
    in_ptr_ = buf_.data();
  }

 private:
  Result<bool> refill() override {
    // Keep the unconsumed tail (at most a cut sequence, 3 bytes) at the front.
    std::memmove(buf_.data(), in_ptr_, in_left_);
    in_ptr_ = buf_.data();
    auto got =
        pread_full(fd_.get(), buf_.data() + in_left_, buf_.size() - in_left_, file_off_, path_);
    if (!got) return tl::unexpected(got.error());
    file_off_ += *got;
    in_left_ += *got;
    return *got > 0;
  }
  Error bad_sequence(std::uint64_t offset) override {
    FileInput in(fd_.get(), path_);
    return bad_text(in, "GB18030", offset).value();
  }

  Fd fd_;
  std::filesystem::path path_;
  std::vector<char> buf_;
  std::uint64_t file_off_ = 0;  // next raw byte to read
};

}  // namespace

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::utf8:
      return "utf-8";
    case Encoding::gb18030:
      return "gb18030";
  }
  return "utf-8";
}

Result<EncodingChoice> parse_encoding_choice(std::string_view s) {
  if (auto e = config::parse_encoding(s)) return *e;
  return fail(Errc::invalid_input, "unknown encoding '" + std::string(s) +
                                       "' (expected auto, utf-8, gb18030, gbk or gb2312)");
}

Result<FileFacts> inspect_file(const std::filesystem::path& path, EncodingChoice choice, bool no_follow) {
  auto fd = open_read(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  FileInput in(fd->get(), path);
  return inspect(in, choice);
}

Result<FileFacts> inspect_bytes(std::string_view bytes, EncodingChoice choice) {
  BytesInput in(bytes);
  return inspect(in, choice);
}

Result<std::unique_ptr<TextSource>> open_text_file(const std::filesystem::path& path, Encoding e,
                                                   bool no_follow) {
  auto fd = open_read(path, no_follow);
  if (!fd) return tl::unexpected(fd.error());
  if (e == Encoding::utf8) {
    char head[3];
    auto got = pread_full(fd->get(), head, sizeof head, 0, path);
    if (!got) return tl::unexpected(got.error());
    const bool bom = std::string_view(head, *got) == utf8_bom;
    return std::make_unique<Utf8FileSource>(std::move(*fd), path, bom ? utf8_bom.size() : 0);
  }
  auto cd = Iconv::open();
  if (!cd) return tl::unexpected(cd.error());
  return std::make_unique<Gb18030FileSource>(std::move(*cd), std::move(*fd), path);
}

std::unique_ptr<TextSource> open_text_bytes(std::string_view bytes, Encoding e) {
  if (e == Encoding::utf8) return std::make_unique<Utf8BytesSource>(bytes);
  auto cd = Iconv::open();
  if (!cd) throw std::runtime_error(cd.error().message);
  return std::make_unique<Gb18030BytesSource>(std::move(*cd), bytes);
}

}  // namespace bw::collect
