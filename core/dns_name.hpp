#pragma once
// DNS names as planb compares them: lower case, absolute (with the trailing dot).

#include <string>
#include <string_view>

namespace planb::core {

// "WWW.Example.com" -> "www.example.com.". Does not validate.
std::string canonicalName(std::string_view name);

// A syntactically valid host name: labels of 1..63 letters, digits, '-' or '_', 255 octets at
// most, with or without the trailing dot.
bool isValidDnsName(std::string_view name);

// True when `name` equals `zone` or lies below it. Both are canonicalised first.
bool isWithinZone(std::string_view name, std::string_view zone);

}  // namespace planb::core
