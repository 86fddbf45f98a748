#include "report/html_document.h"

#include "common/files.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include <unistd.h>

namespace bankscore::report {
namespace {

// Readable without any external font or script: system fonts, a measure of about 100 characters,
// tables with tabular numbers, figures that wrap on narrow screens and print cleanly.
constexpr std::string_view kStyle = R"css(
:root { --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --accent: #0b5cad; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial,
  sans-serif; }
header, nav, main, footer { max-width: 1220px; margin: 0 auto; padding: 0 28px; }
header { padding-top: 28px; }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 12px; }
h2 { font-size: 23px; margin: 40px 0 10px; padding-top: 10px; border-top: 2px solid var(--rule); }
h3 { font-size: 18px; margin: 28px 0 8px; }
p, li { max-width: 100ch; }
a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  font-size: 0.9em; background: var(--bg-soft); padding: 0 3px; border-radius: 3px;
  white-space: nowrap; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0;
  color: var(--muted); font-size: 14.5px; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
nav.toc { margin-top: 18px; }
nav.toc h2 { border: 0; margin: 0 0 4px; font-size: 17px; }
nav.toc ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 40px; font-size: 15px; }
nav.toc ol ol { columns: 1; padding-left: 0; list-style: none; font-size: 13.5px; }
nav.toc ol ol li { display: inline; margin-right: 10px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 14.5px;
  font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 13.5px;
  padding-bottom: 4px; }
th, td { padding: 4px 12px; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.note { border-left: 4px solid var(--accent); background: #eef5fc; padding: 8px 14px;
  margin: 12px 0; max-width: 110ch; }
.note.warning { border-color: #c2410c; background: #fff4ec; }
.figures { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start;
  margin: 8px 0 16px; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13.5px; max-width: 620px; margin-top: 4px; }
footer { color: var(--muted); font-size: 13.5px; margin-top: 48px; padding-bottom: 40px;
  border-top: 1px solid var(--rule); padding-top: 10px; }
@media print { h2 { break-before: auto; } figure, table { break-inside: avoid; } }
)css";

bool IsMarkup(char c) {
  return c == '\\' || c == '*' || c == '`' || c == '[' || c == ']' || c == '_' || c == '|' ||
         c == '<' || c == '>';
}

std::string RenderInline(std::string_view text, bool html);

// The character after a backslash, as literal text.
void AppendEscaped(std::string& out, char next, bool html, bool code) {
  if (html) {
    out += EscapeHtml(std::string_view(&next, 1));
  } else if (!code) {
    out += '\\';
    out += next;
  } else if (next == '|') {
    out += "\\|";  // GFM tables split cells before code spans are parsed
  } else {
    // Markdown code spans take no backslash escapes; a backtick cannot appear in one.
    out += next == '`' ? '\'' : next;
  }
}

// At text[at], a '[': appends [label](#anchor) as a link, or the '[' itself when no link starts
// there. Returns the index of the last character used. The label may hold escapes; the anchor may
// not hold ')'.
std::size_t AppendLink(std::string& out, std::string_view text, std::size_t at, bool html) {
  std::size_t close = at + 1;
  while (close < text.size() && text[close] != ']') close += text[close] == '\\' ? 2 : 1;
  const std::size_t end = close + 1 < text.size() && text[close + 1] == '('
                              ? text.find(')', close + 2)
                              : std::string_view::npos;
  if (end == std::string_view::npos) {
    out += '[';  // the same in HTML and Markdown
    return at;
  }
  const std::string_view label = text.substr(at + 1, close - at - 1);
  const std::string_view href = text.substr(close + 2, end - close - 2);
  if (html && !href.empty() && href[0] == '#') {
    out += "<a href=\"" + EscapeHtml(href) + "\">" + RenderInline(label, true) + "</a>";
  } else {
    out += RenderInline(label, html);
  }
  return end;
}

// Renders report text. `html` selects the target; Markdown output keeps the markup as written.
std::string RenderInline(std::string_view text, bool html) {
  std::string out;
  out.reserve(text.size() + 16);
  bool bold = false, code = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      AppendEscaped(out, text[++i], html, code);
    } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      ++i;
      bold = !bold;
      out += html ? (bold ? "<strong>" : "</strong>") : "**";
    } else if (c == '`') {
      code = !code;
      out += html ? (code ? "<code>" : "</code>") : "`";
    } else if (c == '[') {
      i = AppendLink(out, text, i, html);
    } else {
      out += html ? EscapeHtml(std::string_view(&c, 1)) : std::string(1, c);
    }
  }
  // Unbalanced markup is closed, so one bad string cannot restyle the rest of the page.
  if (html && code) out += "</code>";
  if (html && bold) out += "</strong>";
  return out;
}

// A figure as wide as its chart, so its caption wraps under the chart instead of widening the
// figure (two charts then fit side by side). The width is read from the <svg> tag.
std::string FigureWidthStyle(const std::string& svg) {
  const std::size_t tag_end = svg.find('>');
  const std::size_t at = svg.find(" width=\"");
  if (at == std::string::npos || at > tag_end) return "";
  const std::size_t start = at + 8, end = svg.find('"', start);
  const std::string width = svg.substr(start, end - start);
  if (width.empty() || width.find_first_not_of("0123456789.") != std::string::npos) return "";
  return " style=\"max-width:" + width + "px\"";
}

std::string MarkdownCell(const std::string& text) {
  std::string out = InlineMarkdown(text);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

std::string HtmlTable(const Table& table) {
  std::string out = "<table>";
  if (!table.caption.empty()) out += "<caption>" + InlineHtml(table.caption) + "</caption>";
  auto cell_class = [&table](std::size_t c) {
    return c < table.numeric.size() && table.numeric[c] ? " class=\"num\"" : "";
  };
  out += "<thead><tr>";
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    out += std::string("<th") + cell_class(c) + " scope=\"col\">" + InlineHtml(table.header[c]) +
           "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += std::string("<td") + cell_class(c) + ">" + InlineHtml(row[c]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

std::string MarkdownTable(const Table& table) {
  std::string out;
  if (!table.caption.empty()) out += "*" + MarkdownCell(table.caption) + "*\n\n";
  out += "|";
  for (const auto& h : table.header) out += " " + MarkdownCell(h) + " |";
  out += "\n|";
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    out += c < table.numeric.size() && table.numeric[c] ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const auto& row : table.rows) {
    out += "|";
    for (const auto& cell : row) out += " " + MarkdownCell(cell) + " |";
    out += "\n";
  }
  return out + "\n";
}

// <!DOCTYPE> to </head>: the title and the inline style sheet.
std::string HtmlHead(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         EscapeHtml(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n";
}

// The page header: the title and the meta lines.
std::string HtmlHeader(const std::string& title,
                       const std::vector<std::pair<std::string, std::string>>& meta) {
  std::string out = "<header>\n<h1>" + EscapeHtml(title) + "</h1>\n";
  if (!meta.empty()) {
    out += "<dl class=\"meta\">\n";
    for (const auto& [label, value] : meta) {
      out += "<dt>" + InlineHtml(label) + "</dt><dd>" + InlineHtml(value) + "</dd>\n";
    }
    out += "</dl>\n";
  }
  return out + "</header>\n";
}

std::string HtmlList(const std::vector<std::string>& items, bool ordered) {
  const char* tag = ordered ? "ol" : "ul";
  std::string out = fmt::format("<{}>\n", tag);
  for (const auto& item : items) out += "<li>" + InlineHtml(item) + "</li>\n";
  return out + fmt::format("</{}>\n", tag);
}

std::string HtmlNote(NoteKind kind, const std::string& text) {
  return std::string("<div class=\"note") +
         (kind == NoteKind::kWarning ? " warning\" role=\"note\"><strong>Warning:</strong> "
                                     : "\" role=\"note\">") +
         InlineHtml(text) + "</div>\n";
}

std::string HtmlFigure(const std::string& svg, const std::string& caption) {
  std::string out = "<figure" + FigureWidthStyle(svg) + ">\n" + svg + "\n";
  if (!caption.empty()) out += "<figcaption>" + InlineHtml(caption) + "</figcaption>\n";
  return out + "</figure>\n";
}

std::string MarkdownList(const std::vector<std::string>& items, bool ordered) {
  std::string out;
  int n = 0;
  for (const auto& item : items) {
    out += (ordered ? std::to_string(++n) + ". " : std::string("- ")) + InlineMarkdown(item) + "\n";
  }
  return out + "\n";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Md(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsMarkup(c)) out += '\\';
    out += c;
  }
  return out;
}

std::string InlineHtml(std::string_view text) { return RenderInline(text, true); }
std::string InlineMarkdown(std::string_view text) { return RenderInline(text, false); }

std::string FormatCount(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatFixed(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  std::string out = fmt::format("{:.{}f}", value, decimals);
  // "-0.000" says nothing that "0.000" does not.
  if (out[0] == '-' && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);
  return out;
}

std::string FormatPercent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return "n/a";
  return FormatFixed(fraction * 100.0, decimals) + "%";
}

std::string FormatSignificant(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  return fmt::format("{:.{}g}", value, digits);
}

double Share(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::string Slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

ReportDocument::ReportDocument(std::string title) : title_(std::move(title)) {}

void ReportDocument::AddMeta(std::string label, std::string value) {
  meta_.emplace_back(std::move(label), std::move(value));
}

void ReportDocument::BeginSection(std::string id, std::string heading) {
  sections_.push_back({std::move(id), std::move(heading), {}});
}

ReportDocument::Section& ReportDocument::Current() {
  // Blocks added before the first section go into an untitled leading section.
  if (sections_.empty()) sections_.push_back({"", "", {}});
  return sections_.back();
}

void ReportDocument::AddSubheading(std::string id, std::string heading, bool in_toc) {
  Block b;
  b.kind = BlockKind::kSubheading;
  b.id = std::move(id);
  b.text = std::move(heading);
  b.in_toc = in_toc;
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::AddParagraph(std::string text, bool in_summary) {
  Block b;
  b.kind = BlockKind::kParagraph;
  b.text = std::move(text);
  b.in_summary = in_summary;
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::AddList(std::vector<std::string> items, bool ordered, bool in_summary) {
  Block b;
  b.kind = BlockKind::kList;
  b.items = std::move(items);
  b.ordered = ordered;
  b.in_summary = in_summary;
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::AddNote(NoteKind kind, std::string text) {
  Block b;
  b.kind = BlockKind::kNote;
  b.note = kind;
  b.text = std::move(text);
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::AddTable(Table table) {
  Block b;
  b.kind = BlockKind::kTable;
  b.in_summary = table.in_summary;
  b.table = std::move(table);
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::AddFigure(std::string svg, std::string caption) {
  Block b;
  b.kind = BlockKind::kFigure;
  b.svg = std::move(svg);
  b.text = std::move(caption);
  b.in_summary = false;
  Current().blocks.push_back(std::move(b));
}

void ReportDocument::SetFooter(std::string text) { footer_ = std::move(text); }

std::string ReportDocument::RenderHtml() const {
  std::string out;
  out.reserve(1 << 20);
  out += HtmlHead(title_) + "<body>\n" + HtmlHeader(title_, meta_) + HtmlContents() + "<main>\n";
  for (const Section& s : sections_) out += HtmlSection(s);
  out += "</main>\n";
  if (!footer_.empty()) out += "<footer>" + InlineHtml(footer_) + "</footer>\n";
  out += "</body>\n</html>\n";
  return out;
}

// The table of contents: every titled section, with its subheadings marked in_toc nested.
std::string ReportDocument::HtmlContents() const {
  std::string out = "<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n";
  for (const Section& s : sections_) {
    if (s.heading.empty()) continue;
    out += "<li><a href=\"#" + EscapeHtml(s.id) + "\">" + InlineHtml(s.heading) + "</a>";
    std::string nested;
    for (const Block& b : s.blocks) {
      if (b.kind == BlockKind::kSubheading && b.in_toc) {
        // Whitespace between the items lets the inline list wrap.
        nested += "<li><a href=\"#" + EscapeHtml(b.id) + "\">" + InlineHtml(b.text) + "</a></li>\n";
      }
    }
    if (!nested.empty()) out += "\n<ol>" + nested + "</ol>";
    out += "</li>\n";
  }
  return out + "</ol>\n</nav>\n";
}

std::string ReportDocument::HtmlSection(const Section& section) {
  std::string out =
      section.id.empty() ? "<section>\n" : "<section id=\"" + EscapeHtml(section.id) + "\">\n";
  if (!section.heading.empty()) out += "<h2>" + InlineHtml(section.heading) + "</h2>\n";
  // Consecutive figures share one wrapping row, so they sit side by side when they fit.
  bool in_figures = false;
  for (const Block& b : section.blocks) {
    const bool figure = b.kind == BlockKind::kFigure;
    if (figure != in_figures) out += figure ? "<div class=\"figures\">\n" : "</div>\n";
    in_figures = figure;
    out += HtmlBlock(b);
  }
  if (in_figures) out += "</div>\n";
  return out + "</section>\n";
}

std::string ReportDocument::HtmlBlock(const Block& b) {
  switch (b.kind) {
    case BlockKind::kSubheading:
      return "<h3" + (b.id.empty() ? std::string() : " id=\"" + EscapeHtml(b.id) + "\"") + ">" +
             InlineHtml(b.text) + "</h3>\n";
    case BlockKind::kParagraph:
      return "<p>" + InlineHtml(b.text) + "</p>\n";
    case BlockKind::kList:
      return HtmlList(b.items, b.ordered);
    case BlockKind::kNote:
      return HtmlNote(b.note, b.text);
    case BlockKind::kTable:
      return b.table.in_page ? HtmlTable(b.table) : "";
    case BlockKind::kFigure:
      return HtmlFigure(b.svg, b.text);
  }
  return "";
}

std::string ReportDocument::RenderMarkdown() const {
  std::string out = "# " + InlineMarkdown(Md(title_)) + "\n\n";
  for (const auto& [label, value] : meta_) {
    out += "- **" + InlineMarkdown(label) + ":** " + InlineMarkdown(value) + "\n";
  }
  if (!meta_.empty()) out += "\n";
  for (const Section& s : sections_) {
    if (!s.heading.empty()) out += "## " + InlineMarkdown(s.heading) + "\n\n";
    for (const Block& b : s.blocks) {
      if (b.in_summary) out += MarkdownBlock(b);
    }
  }
  if (!footer_.empty()) out += "---\n\n" + InlineMarkdown(footer_) + "\n";
  return out;
}

std::string ReportDocument::MarkdownBlock(const Block& b) {
  switch (b.kind) {
    case BlockKind::kSubheading:
      return "### " + InlineMarkdown(b.text) + "\n\n";
    case BlockKind::kParagraph:
      return InlineMarkdown(b.text) + "\n\n";
    case BlockKind::kList:
      return MarkdownList(b.items, b.ordered);
    case BlockKind::kNote:
      return std::string("> ") + (b.note == NoteKind::kWarning ? "**Warning:** " : "") +
             InlineMarkdown(b.text) + "\n\n";
    case BlockKind::kTable:
      return MarkdownTable(b.table);
    case BlockKind::kFigure:
      return "";  // the summary has no figures
  }
  return "";
}

void PrepareOutputDirectory(const std::string& dir) {
  try {
    CreateDirectories(dir);
    // access(W_OK) alone is not enough (read-only mounts, ACLs); a real write is.
    const std::filesystem::path probe =
        std::filesystem::path(dir) / (".bankscore-write-test-" + std::to_string(::getpid()));
    WriteFileAtomic(probe, "ok");
    std::filesystem::remove(probe);
  } catch (const FileError& e) {
    throw ReportOutputError("cannot use report directory " + dir + ": " + e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    throw ReportOutputError("report directory " + dir + ": " + e.what());
  }
}

void WriteReportFile(const std::string& dir, const std::string& name, const std::string& text) {
  try {
    WriteFileAtomic(std::filesystem::path(dir) / name, text);
  } catch (const FileError& e) {
    throw ReportOutputError(e.what());
  }
}

}  // namespace bankscore::report

namespace bankscore {

std::string DataSourceText(const ReportConfig& report, const std::string& table,
                           const std::string& label, const std::string& positive_label) {
  using report::Md;
  const std::string source =
      "table `" + Md(table) + "`, label `" + Md(label) + "` = \"" + Md(positive_label) + "\"";
  return report.data_source.empty() ? source : Md(report.data_source) + "; " + source;
}

std::string ReportTitle(const ReportConfig& report, const std::string& what,
                        const std::string& fallback) {
  return report.title.empty() ? fallback : report.title + ": " + what;
}

}  // namespace bankscore
