// Minimal streaming XML writer for query-protocol responses. Output is always well-formed XML
// 1.0: text is escaped, invalid UTF-8 and characters XML cannot carry become U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

class XmlWriter {
 public:
  // Appends to `out` (not owned; must outlive the writer).
  explicit XmlWriter(std::string& out) : out_(out) {}
  // <name> or <name xmlns="ns"> when ns is non-empty.
  void Open(std::string_view name, std::string_view xmlns = {});
  void Close(std::string_view name);
  // Escaped character data.
  void Text(std::string_view text);
  // <name>text</name>
  void Element(std::string_view name, std::string_view text);

  // Appends `text` escaped for XML character data or attribute values.
  static void Escape(std::string_view text, std::string& out);

 private:
  std::string& out_;
};

}  // namespace nimbus
