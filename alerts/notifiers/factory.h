// Notifiers built from config by receiver kind (node_exporter's collector registry, in small).
#pragma once

#include <map>
#include <string>

#include "alerts/notifiers/notifier.h"
#include "config/alerts_config.h"

namespace bw::alerts {

/// `repeat_interval`: the longest repeat interval of the routes naming this receiver
/// (Alertmanager's endsAt must outlast it).
NotifierPtr make_notifier(const config::ReceiverConfig& r, std::chrono::seconds repeat_interval);
/// One notifier per receiver, by receiver name.
std::map<std::string, NotifierPtr> make_notifiers(const config::AlertsConfig& c);

}  // namespace bw::alerts
