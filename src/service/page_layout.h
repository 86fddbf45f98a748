// Internal: the frame of the service's HTML pages (the form and the dashboard): an inline style
// sheet, a header naming the service with links to the pages and the API, then the content.
// No script and no external resource of any kind, so the pages work offline, without JavaScript
// and under a strict Content-Security-Policy. Text is escaped by the callers (report::EscapeHtml).
#pragma once

#include <string>
#include <string_view>

namespace bankscore::service {

// `active` is the path of the page shown ("/" or "/dashboard"), highlighted in the navigation.
std::string RenderPage(std::string_view title, std::string_view active, std::string_view content);

// A chart (SVG markup) with its caption (plain text, escaped here) as an HTML <figure>.
std::string RenderFigure(const std::string& svg, const std::string& caption);

// A page that only says what is wrong (no model loaded, database down).
std::string RenderMessagePage(std::string_view title, std::string_view active,
                              std::string_view message);

}  // namespace bankscore::service
