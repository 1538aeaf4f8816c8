#include "domain/cases/materials.h"

namespace xn::cases {

std::string_view TrustName(Trust t) {
  switch (t) {
    case Trust::kIssuer: return "issuer";
    case Trust::kWindowVerified: return "window_verified";
    case Trust::kUploaded: return "uploaded";
    case Trust::kDeclared: return "declared";
  }
  return "declared";
}

std::string_view TrustTitle(Trust t) {
  switch (t) {
    case Trust::kIssuer: return "发证机关生成";
    case Trust::kWindowVerified: return "窗口核验";
    case Trust::kUploaded: return "上传核验";
    case Trust::kDeclared: return "申请人自行申报";
  }
  return "申请人自行申报";
}

Result<std::string> CheckMaterialFile(std::string_view declared_type, std::string_view bytes) {
  // The media type without parameters, in lower case.
  std::string type(declared_type.substr(0, declared_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (bytes.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "materials.empty", "文件为空", "body");
  }
  if (bytes.size() > kMaxMaterialBytes) {
    return MakeError(ErrorCode::kPayloadTooLarge, "materials.too_large",
                     "文件超过 20 MB", "body");
  }
  struct Kind {
    std::string_view type;
    std::string_view magic;
  };
  static constexpr Kind kKinds[] = {
      {"application/pdf", "%PDF-"},
      {"image/jpeg", "\xFF\xD8\xFF"},
      {"image/png", "\x89PNG\r\n\x1A\n"},
      {"application/ofd", "PK\x03\x04"},  // OFD (GB/T 33190) is a ZIP container
  };
  for (const auto& k : kKinds) {
    if (type != k.type) continue;
    if (bytes.substr(0, k.magic.size()) != k.magic) {
      return MakeError(ErrorCode::kInvalidArgument, "materials.type",
                       "文件内容与声明的类型 " + type + " 不符", "content-type");
    }
    return type;
  }
  return MakeError(ErrorCode::kInvalidArgument, "materials.type",
                   "只接受 PDF、JPEG、PNG 或 OFD 文件", "content-type");
}

}  // namespace xn::cases
