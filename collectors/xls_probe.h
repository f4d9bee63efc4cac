// What an old .xls (BIFF in an OLE2 compound file) declares, read before FreeXL opens it (issue
// 16): FreeXL holds a whole workbook in memory and allocates each sheet's cell table from the
// sheet's DIMENSIONS record at open (16 bytes a cell, whatever the file's size), and it does not
// say which sheets are hidden. This reads the compound file's directory and the Workbook stream's
// records itself: each sheet's name, visibility and declared rows and columns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace bw::collect {

struct XlsSheetFacts {
  std::string name;        ///< as UTF-8 (BIFF8 names; BIFF5 names as Latin-1)
  bool hidden = false;     ///< hidden or very hidden (BOUNDSHEET hsState != 0)
  std::uint64_t rows = 0;  ///< the largest DIMENSIONS rwMac of the sheet's substream
  std::uint64_t columns = 0;
};

struct XlsFacts {
  /// In the order of the BOUNDSHEET records: the order of FreeXL's sheets.
  std::vector<XlsSheetFacts> sheets;
  /// Every DIMENSIONS record's rows × columns, summed: the cells FreeXL allocates at open.
  std::uint64_t declared_cells = 0;
};

/// Reads the facts of an OLE2 file in memory (`bytes`: the whole file). Errc::invalid_input
/// "corrupt .xls: …" when the compound file or the BIFF records cannot be followed (a cut or
/// crafted file), e.g. "corrupt .xls: its sector chain leaves the file".
Result<XlsFacts> probe_xls(std::string_view bytes);

}  // namespace bw::collect
