// Text encodings of export files: pass 1 (SHA-256 and UTF-8 / GB18030 detection) and the UTF-8 text
// sources that the CSV reader pulls from. Used by collectors/ingest.cpp and the upload source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "config/enums.h"
#include "engine/result.h"

namespace bw::collect {

/// The encoding of an export file. GBK and GB2312 files are GB18030 (both are subsets of it).
enum class Encoding { utf8, gb18030 };

/// What a source's configuration asks for: detect, or insist on one encoding (config/enums.h).
using EncodingChoice = config::SourceEncoding;

/// "utf-8" or "gb18030", for logs, the files table and messages.
std::string_view to_string(Encoding e);

/// Parses a configured encoding, ASCII case-insensitively: "auto"; "utf-8" or "utf8"; "gb18030",
/// "gbk" or "gb2312" (all decoded as GB18030). Anything else: Errc::invalid_input "unknown encoding
/// 'latin1' (expected auto, utf-8, gb18030, gbk or gb2312)".
Result<EncodingChoice> parse_encoding_choice(std::string_view s);

/// Files are read in chunks of this many bytes (pass 1 and the text sources); memory stays flat in
/// file size.
inline constexpr std::size_t read_chunk_bytes = std::size_t{1} << 20;

/// What pass 1 learned about a file.
struct FileFacts {
  std::string sha256;            ///< lowercase hex SHA-256 of the raw bytes (BOM included)
  std::uint64_t size_bytes = 0;  ///< raw size in bytes
  Encoding encoding = Encoding::utf8;
  bool bom = false;  ///< a UTF-8 byte order mark was present (the text sources skip it)
};

/// Pass 1 over a file: SHA-256 (OpenSSL EVP, streamed in read_chunk_bytes chunks) and the encoding.
///
/// auto_detect: a UTF-8 BOM means UTF-8 (the rest must then be valid UTF-8); else the whole file
/// valid UTF-8 means UTF-8; else the whole file valid GB18030 means GB18030. With an explicit
/// choice only that encoding is checked. "Valid" is strict: UTF-8 without overlong forms,
/// surrogates or code points above U+10FFFF; GB18030 as glibc's iconv decodes it (one-, two- and
/// four-byte sequences, unassigned four-byte codes rejected), so a file accepted here always
/// decodes in pass 2.
///
/// Errors (the message is complete; `where` is the path):
/// - Errc::invalid_input "not valid UTF-8 or GB18030 text (line 17, byte offset 4096)" (auto), or
///   "not valid UTF-8 text (…)" / "not valid GB18030 text (…)" (explicit choice, or auto after a
///   UTF-8 BOM). The byte offset is 0-based in the raw file and names the first byte of the first
///   bad sequence; the line is 1-based (1 + the LF bytes before that offset). In auto mode, when
///   neither encoding fits, the position is the later of the two failures: the encoding that got
///   further is the one the file was meant to be in, so that is where the damage is.
/// - Errc::invalid_input "UTF-16 text is not supported; export as UTF-8 or GB18030" (UTF-16 BOM;
/// likewise
///   "UTF-32 text is not supported; …"), and "starts with a UTF-8 byte order mark, but the encoding
///   is set to GB18030" for an explicit gb18030 choice.
/// - Errc::io "cannot open file: <OS reason>" / "cannot read file: <OS reason>" (missing,
/// unreadable,
///   a directory).
/// An empty file is not an error (size 0, utf-8 unless gb18030 was chosen; the parsers report it).
/// Throws std::runtime_error only if OpenSSL fails. Thread-safe (no shared state).
/// `no_follow`: refuse a symlink (O_NOFOLLOW) and anything but a regular file, without blocking on
/// a FIFO (Errc::io "cannot open file: …"); for names in a drop folder.
Result<FileFacts> inspect_file(const std::filesystem::path& path, EncodingChoice choice,
                               bool no_follow = false);

/// inspect_file over bytes already in memory (uploads, tests, the fuzzer); the same rules and
/// messages, with an empty `where`.
Result<FileFacts> inspect_bytes(std::string_view bytes, EncodingChoice choice);

/// A pull source of UTF-8 text: the CSV reader asks it for more bytes. Abstract so the reader can
/// read a file, a string or a decoded GB18030 stream. Not thread-safe: one reader at a time.
class TextSource {
 public:
  virtual ~TextSource() = default;
  /// Appends up to `max` (> 0) bytes of UTF-8 text to `out` and returns how many; 0 means end of
  /// input. A multibyte character may be split across calls. I/O failure: Errc::io; bytes that do
  /// not decode: Errc::invalid_input "not valid GB18030 text (line 3, byte offset 120)" (positions
  /// in the raw input).
  virtual Result<std::size_t> read(std::string& out, std::size_t max) = 0;
};

/// Opens a file as UTF-8 text in encoding `e` (normally FileFacts::encoding from inspect_file):
/// utf8 skips a UTF-8 BOM and passes the bytes through without validating them again (pass 1 did);
/// gb18030 converts with iconv chunk by chunk, carrying a multibyte sequence split by a chunk end
/// over to the next chunk. Reads read_chunk_bytes at a time; memory is flat in file size. Errors:
/// Errc::io "cannot open file: <OS reason>" (`where` = path); Errc::internal when the system's
/// iconv has no GB18030 converter. The source's own read() errors also carry the path in `where`.
/// `no_follow` as for inspect_file.
Result<std::unique_ptr<TextSource>> open_text_file(const std::filesystem::path& path, Encoding e,
                                                   bool no_follow = false);

/// open_text_file over bytes in memory; `bytes` must outlive the source. Throws std::runtime_error
/// when the system's iconv has no GB18030 converter (a broken installation, not bad input).
std::unique_ptr<TextSource> open_text_bytes(std::string_view bytes, Encoding e);

}  // namespace bw::collect
