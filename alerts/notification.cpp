#include "alerts/notification.h"

namespace bw::alerts {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
  }
  return "warning";
}

std::string_view to_string(Status s) { return s == Status::firing ? "firing" : "resolved"; }

}  // namespace bw::alerts
