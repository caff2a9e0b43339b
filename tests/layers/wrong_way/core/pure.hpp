#pragma once
// A core header that reaches out of the core twice: check_layers.py must name both lines.
#include <boost/asio/io_context.hpp>

#include "providers/writer.hpp"
