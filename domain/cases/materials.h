// Materials (申请材料): the files an applicant hands in, kept once per applicant and reused across
// cases, so nobody hands the same document twice (PRODUCT.md capability 4).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "domain/common/result.h"

namespace xn::cases {

// The most a material may weigh.
inline constexpr size_t kMaxMaterialBytes = 20 << 20;

// How far a material can be trusted (State Council 2016 No. 108, certificate reuse): issued by
// the issuing body, checked against the original at a window, uploaded and checked, declared.
enum class Trust { kIssuer, kWindowVerified, kUploaded, kDeclared };
std::string_view TrustName(Trust t);   // "issuer", "window_verified", "uploaded", "declared"
std::string_view TrustTitle(Trust t);  // "发证机关生成", "窗口核验", "上传核验", "申请人自行申报"

// Checks that BYTES are a file of DECLARED_TYPE that we accept (PDF, JPEG, PNG, OFD), by their
// first bytes, and within kMaxMaterialBytes. Returns the media type.
// Errors: kInvalidArgument "materials.type" (field "content-type") or "materials.empty";
// kPayloadTooLarge "materials.too_large".
Result<std::string> CheckMaterialFile(std::string_view declared_type, std::string_view bytes);

}  // namespace xn::cases
