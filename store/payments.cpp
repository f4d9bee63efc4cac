#include "store/payments.h"

namespace bw::store {

namespace {

// The filter of LinePaymentQuery, parameters 1-4 (pay_date is indexed: the range narrows the scan).
constexpr const char* where =
    " WHERE pay_date >= ?1 AND pay_date <= ?2"
    " AND (project_code = ?3 OR (?4 <> '' AND project_code = '' AND unit_code = ?4))";

}  // namespace

PaymentPage line_payments(Database& db, const LinePaymentQuery& q) {
  PaymentPage page;
  const std::string from = engine::to_iso(q.from);
  const std::string to = engine::to_iso(q.to);
  {
    Statement st = db.prepare(
        std::string("SELECT count(*), coalesce(sum(amount_fen), 0) FROM payments") + where);
    st.bind(1, from).bind(2, to).bind(3, q.project_code).bind(4, q.blank_of_unit);
    if (st.step()) {
      page.total = st.column_int(0);
      page.sum = engine::Money{st.column_int(1)};
    }
  }
  Statement st = db.prepare(std::string("SELECT voucher_no, pay_date, unit_code, project_code, "
                                        "amount_fen, func_class, econ_class,"
                                        " pay_method, fund_type, payee, memo FROM payments") +
                            where + " ORDER BY pay_date, voucher_no LIMIT ?5 OFFSET ?6");
  st.bind(1, from)
      .bind(2, to)
      .bind(3, q.project_code)
      .bind(4, q.blank_of_unit)
      .bind(5, q.limit)
      .bind(6, q.offset);
  while (st.step()) {
    engine::Payment p;
    p.voucher_no = st.column_string(0);
    if (auto d = engine::parse_date(st.column_text(1))) p.pay_date = *d;
    p.unit_code = st.column_string(2);
    p.project_code = st.column_string(3);
    p.amount = engine::Money{st.column_int(4)};
    p.func_class = st.column_string(5);
    p.econ_class = st.column_string(6);
    p.pay_method = st.column_string(7);
    p.fund_type = st.column_string(8);
    p.payee = st.column_string(9);
    p.memo = st.column_string(10);
    page.rows.push_back(std::move(p));
  }
  return page;
}

}  // namespace bw::store
