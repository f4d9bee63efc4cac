#include "alerts/notification.h"

namespace bw::alerts {

std::string_view to_string(Status s) { return s == Status::firing ? "firing" : "resolved"; }

}  // namespace bw::alerts
