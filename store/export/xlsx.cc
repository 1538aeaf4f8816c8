#include "store/export/xlsx.h"

#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

namespace xn::store {
namespace fs = std::filesystem;

namespace {

Error LibraryError(const char* what, lxw_error e) {
  return MakeError(ErrorCode::kInternal, "export.xlsx", std::string(what) + ": " + lxw_strerror(e));
}

// Cuts S to at most MAX bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// A fresh, empty file only this process may read. The export holds personal data (applicants,
// accounts), so the file is created 0600 before the library opens it ("wb" keeps the mode).
Result<fs::path> NewPrivateFile() {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) return MakeError(ErrorCode::kInternal, "export.tmp", "no temporary directory");
  std::random_device rd;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::ostringstream name;
    name << "xn-export-" << ::getpid() << "-" << counter.fetch_add(1) << "-" << std::hex
         << ((static_cast<uint64_t>(rd()) << 32) | rd()) << ".xlsx";
    fs::path p = dir / name.str();
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return p;
    }
    if (errno != EEXIST) break;
  }
  return MakeError(ErrorCode::kInternal, "export.tmp", "cannot create a temporary file");
}

}  // namespace

std::string XlsxTimeText(Instant t) {
  // Asia/Shanghai has kept +08:00 all year since 1991.
  std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000) + 8 * 3600;
  if (ToUnixMillis(t) < 0 && ToUnixMillis(t) % 1000 != 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

XlsxBook::XlsxBook(fs::path path, lxw_workbook* book) : path_(std::move(path)), book_(book) {
  header_format_ = workbook_add_format(book_);
  format_set_bold(header_format_);
  format_set_bg_color(header_format_, 0xDDEBF7);  // a light blue, as office templates use
  format_set_border(header_format_, LXW_BORDER_THIN);
  format_set_border_color(header_format_, 0xA6A6A6);
}

Result<std::unique_ptr<XlsxBook>> XlsxBook::Create() {
  auto path = NewPrivateFile();
  if (!path.ok()) return path.error();
  lxw_workbook* book = workbook_new(path->c_str());
  if (book == nullptr) {
    std::error_code ec;
    fs::remove(*path, ec);
    return MakeError(ErrorCode::kInternal, "export.xlsx", "cannot start a workbook");
  }
  return std::unique_ptr<XlsxBook>(new XlsxBook(std::move(*path), book));
}

XlsxBook::~XlsxBook() {
  // workbook_close is the only way to free a workbook; its output is thrown away.
  if (book_ != nullptr) workbook_close(book_);
  std::error_code ec;
  fs::remove(path_, ec);
}

void XlsxBook::EndSheet() {
  if (sheet_ == nullptr) return;
  // The filter spans the header and every row written (at least the header alone).
  worksheet_autofilter(sheet_, 0, 0, next_row_ == 0 ? 0 : next_row_ - 1,
                       static_cast<lxw_col_t>(sheet_columns_ - 1));
  sheet_ = nullptr;
}

Status XlsxBook::AddSheet(std::string_view name, const std::vector<XlsxColumn>& columns) {
  if (book_ == nullptr) {
    return MakeError(ErrorCode::kInternal, "export.xlsx", "workbook already finished");
  }
  if (columns.empty() || columns.size() > 16'384) {
    return MakeError(ErrorCode::kInvalidArgument, "export.sheet_columns",
                     "a sheet needs between 1 and 16384 columns");
  }
  std::string sheet_name(name);
  if (lxw_error e = workbook_validate_sheet_name(book_, sheet_name.c_str()); e != LXW_NO_ERROR) {
    return MakeError(ErrorCode::kInvalidArgument, "export.sheet_name",
                     "invalid sheet name \"" + sheet_name + "\": " + lxw_strerror(e));
  }
  EndSheet();
  lxw_worksheet* sheet = workbook_add_worksheet(book_, sheet_name.c_str());
  if (sheet == nullptr) {
    return MakeError(ErrorCode::kInternal, "export.xlsx", "cannot add sheet " + sheet_name);
  }
  sheet_ = sheet;
  sheet_columns_ = static_cast<uint16_t>(columns.size());
  next_row_ = 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    auto col = static_cast<lxw_col_t>(i);
    worksheet_set_column(sheet_, col, col, columns[i].width_chars, nullptr);
    std::string title(CutUtf8(columns[i].title, kMaxCellBytes));
    if (lxw_error e = worksheet_write_string(sheet_, 0, col, title.c_str(), header_format_);
        e != LXW_NO_ERROR) {
      return LibraryError("header", e);
    }
  }
  worksheet_freeze_panes(sheet_, 1, 0);
  next_row_ = 1;
  return Ok();
}

Status XlsxBook::AddRow(const std::vector<XlsxCell>& cells) {
  if (sheet_ == nullptr) {
    return MakeError(ErrorCode::kInternal, "export.xlsx", "AddRow before AddSheet");
  }
  if (next_row_ >= kMaxRows) {
    return MakeError(ErrorCode::kOutOfRange, "export.too_many_rows",
                     "a sheet holds at most 1048576 rows");
  }
  lxw_row_t row = next_row_;
  for (size_t i = 0; i < cells.size() && i < sheet_columns_; ++i) {
    auto col = static_cast<lxw_col_t>(i);
    lxw_error e = LXW_NO_ERROR;
    if (const auto* s = std::get_if<std::string>(&cells[i])) {
      if (!s->empty()) {
        std::string text(CutUtf8(*s, kMaxCellBytes));
        e = worksheet_write_string(sheet_, row, col, text.c_str(), nullptr);
      }
    } else if (const auto* d = std::get_if<double>(&cells[i])) {
      e = worksheet_write_number(sheet_, row, col, *d, nullptr);
    } else if (const auto* t = std::get_if<Instant>(&cells[i])) {
      e = worksheet_write_string(sheet_, row, col, XlsxTimeText(*t).c_str(), nullptr);
    }
    if (e != LXW_NO_ERROR) return LibraryError("cell", e);
  }
  ++next_row_;
  return Ok();
}

Result<std::string> XlsxBook::Finish() {
  if (book_ == nullptr) {
    return MakeError(ErrorCode::kInternal, "export.xlsx", "workbook already finished");
  }
  EndSheet();
  lxw_error e = workbook_close(book_);
  book_ = nullptr;
  if (e != LXW_NO_ERROR) return LibraryError("close", e);
  std::ifstream in(path_, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kInternal, "export.tmp", "cannot read the workbook back");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return MakeError(ErrorCode::kInternal, "export.tmp", "cannot read the workbook");
  in.close();
  std::error_code ec;
  fs::remove(path_, ec);
  return bytes;
}

}  // namespace xn::store
