// planbctl may not include the daemon itself.
#include "daemon/config/config.hpp"
#include "daemon/wiring.hpp"
