#include "config/source_lines.hpp"

#include <algorithm>
#include <iterator>

namespace planb::config {

namespace {

const toml::detail::region* textRegion(const toml::detail::region_base* region) {
  return dynamic_cast<const toml::detail::region*>(region);
}

}  // namespace

SourceLines::SourceLines(const toml::detail::region_base* region) {
  const toml::detail::region* text = textRegion(region);
  if (text == nullptr || !text->source()) {
    return;
  }
  source_ = text->source();
  file_ = text->name();
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < source_->size(); ++i) {
    if ((*source_)[i] == '\n') {
      line_starts_.push_back(i + 1);
    }
  }
}

std::optional<SourceLines::Location> SourceLines::locate(
    const toml::detail::region_base* region) const {
  const toml::detail::region* text = textRegion(region);
  if (text == nullptr || !source_ || text->source() != source_) {
    return std::nullopt;
  }
  const std::size_t offset = static_cast<std::size_t>(text->first() - source_->cbegin());
  // The last line start at or before the offset.
  auto line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  const std::size_t start = *line;
  auto begin = source_->cbegin() + static_cast<std::ptrdiff_t>(start);
  auto end = std::find(begin, source_->cend(), '\n');
  return Location{file_, static_cast<std::uint32_t>(std::distance(line_starts_.begin(), line) + 1),
                  static_cast<std::uint32_t>(offset - start + 1), std::string(begin, end)};
}

}  // namespace planb::config
