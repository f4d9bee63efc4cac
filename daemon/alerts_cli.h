// `budgetwatch alerts replay`: the alert cycle stepped through past dates (month ends or days) on a
// config's database, as the daemon would have run it, optionally delivering the messages for real.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace bw::daemon {

int cmd_alerts(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace bw::daemon
