// A small hand-made snapshot for the alert tests: three lines of 1,000 yuan (P1 and P3 of 张三, P2
// of 李四), the listed ones overspent (1,200 paid in March), evaluated as of 2021-12-31.
#pragma once

#include <string>
#include <vector>

#include "engine/snapshot.h"

namespace bw::alerts::test_fixture {

inline engine::BudgetLine line(std::string code, std::string owner, std::string email) {
  engine::BudgetLine l;
  l.code = std::move(code);
  l.name = "项目" + l.code;
  l.unit_code = "101001";
  l.unit_name = "某局";
  l.initial = engine::Money::from_yuan(1000);
  l.deadline = engine::make_date(2021, 12, 31);
  l.owner = std::move(owner);
  l.owner_email = std::move(email);
  return l;
}

inline engine::Snapshot overspent(const std::vector<std::string>& codes) {
  engine::Inputs in;
  in.fiscal_year = engine::FiscalYear(2021, 1);
  in.lines = {line("P1", "张三", "zhangsan@example.gov.cn"),
              line("P2", "李四", "lisi@example.gov.cn"),
              line("P3", "张三", "zhangsan@example.gov.cn")};
  for (const auto& c : codes) {
    engine::PaymentSeries p;
    p.unit_code = "101001";
    p.project_code = c;
    p.month_paid[2] = engine::Money::from_yuan(1200);
    p.month_count[2] = 1;
    in.payments.push_back(p);
  }
  return engine::evaluate(in, engine::make_date(2021, 12, 31), engine::Policy{});
}

}  // namespace bw::alerts::test_fixture
