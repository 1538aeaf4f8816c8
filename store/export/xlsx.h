// Excel workbooks (.xlsx) built in memory for the list exports: one or more sheets, each a header
// row (bold, filled, frozen, with an autofilter) above plain rows of text and number cells.
// Times are written as text "YYYY-MM-DD HH:MM" in Asia/Shanghai, as the UI shows them, so a
// sheet reads the same in every spreadsheet program whatever its locale.
//
// libxlsxwriter (1.1.4) writes only to a file: the book is written to a private temporary file
// (mode 0600, unique name under the system temp directory), read back by Finish and deleted; the
// destructor deletes it too if Finish was never reached.
//
// Thread-safety: an XlsxBook is used by one thread; distinct books are independent.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/common/clock.h"
#include "domain/common/result.h"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace xn::store {

// A header cell and its column's width, in characters (a CJK character counts about two).
struct XlsxColumn {
  std::string title;
  double width_chars = 12;
};

// A cell: empty, UTF-8 text, a number, or a time (written as text YYYY-MM-DD HH:MM, +08:00).
using XlsxCell = std::variant<std::monostate, std::string, double, Instant>;

// The text form of T in a sheet: "YYYY-MM-DD HH:MM" in Asia/Shanghai.
std::string XlsxTimeText(Instant t);

class XlsxBook {
 public:
  // The most rows a sheet holds (the format's limit, header included).
  static constexpr int64_t kMaxRows = 1'048'576;
  // Longer text is cut to this many bytes (on a UTF-8 boundary): the format's cell limit.
  static constexpr size_t kMaxCellBytes = 32'000;

  // Starts an empty workbook. Errors: kInternal if the temporary file cannot be made.
  static Result<std::unique_ptr<XlsxBook>> Create();
  ~XlsxBook();
  XlsxBook(const XlsxBook&) = delete;
  XlsxBook& operator=(const XlsxBook&) = delete;

  // Adds a sheet named NAME (at most 31 characters, none of []:*?/\, unique in the book) with
  // its header row; the following AddRow calls fill it. Errors: kInvalidArgument for a bad or
  // repeated name or no columns.
  Status AddSheet(std::string_view name, const std::vector<XlsxColumn>& columns);

  // Appends a row to the current sheet; cells beyond the columns are ignored.
  // REQUIRES: AddSheet was called. Errors: kOutOfRange past kMaxRows; kInternal from the library.
  Status AddRow(const std::vector<XlsxCell>& cells);

  // Closes the book and returns the .xlsx file's bytes. The book takes no more calls after.
  // Errors: kInternal if the library or the temporary file fails.
  Result<std::string> Finish();

 private:
  XlsxBook(std::filesystem::path path, lxw_workbook* book);
  void EndSheet();

  std::filesystem::path path_;
  lxw_workbook* book_ = nullptr;  // owned until closed
  lxw_format* header_format_ = nullptr;  // owned by book_
  lxw_worksheet* sheet_ = nullptr;       // owned by book_
  uint16_t sheet_columns_ = 0;
  uint32_t next_row_ = 0;
  std::vector<std::string> sheet_names_;
};

}  // namespace xn::store
