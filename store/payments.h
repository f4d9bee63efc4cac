// The payments (vouchers, 支付凭证) of one budget line, a page at a time, for the project page and
// GET /api/v1/projects/{code}/payments: the rows the engine sums into the line (its code, and for
// the only basic-expenditure line of a unit the unit's payments written with a blank code or
// 基本支出), dated in a range, ordered by date then voucher number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/civil_date.h"
#include "engine/model.h"
#include "engine/money.h"
#include "store/database.h"

namespace bw::store {

/// Which payments: those written with `project_code`, and when `blank_of_unit` is not empty also
/// that unit's payments with a blank code; dated from `from` to `to` (both included).
struct LinePaymentQuery {
  std::string project_code;
  std::string blank_of_unit;
  engine::CivilDate from;
  engine::CivilDate to;
  std::int64_t offset = 0;
  std::int64_t limit = 50;
};

/// A page of them, with the count and sum of all that match.
struct PaymentPage {
  std::vector<engine::Payment> rows;  ///< unit_name and project_name left empty
  std::int64_t total = 0;
  engine::Money sum;
};

/// Throws DatabaseError.
PaymentPage line_payments(Database& db, const LinePaymentQuery& q);

}  // namespace bw::store
