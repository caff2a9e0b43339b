#pragma once
// Aligned text tables for planbctl's human output.

#include <string>
#include <vector>

namespace planb::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const noexcept { return rows_.size() == 1; }  // only the header
  // Columns padded to their widest cell (counted in UTF-8 code points), two spaces apart.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace planb::ctl
