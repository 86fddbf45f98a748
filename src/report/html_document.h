// Internal: ReportDocument, one analyst report built once and rendered twice: as a self-contained
// HTML page (inline <style>, inline SVG figures, no script, no external resource) and as a Markdown
// summary (the same headings, text and tables, without the figures).
//
// Text passed to the document (headings, paragraphs, list items, table cells, notes) is "report
// text": plain text with a small inline markup that both renderers understand:
//   **bold**, `code`, [label](#anchor) (links to anchors of the same page only), \x (literal x).
// Anything else is literal. Text that comes from data (category names, column names, JSON values)
// must be quoted with Md() first, so that a category called "a*b" stays "a*b". The HTML renderer
// escapes everything it emits, so even unquoted data can never inject markup; quoting only keeps
// it from being shown as bold or code.
//
// Figures are SVG fragments produced by svg_chart.h and are inserted into the HTML as they are; the
// Markdown renderer leaves them out. Rendering does no I/O and does not throw (apart from
// std::bad_alloc); the output helpers at the end write the rendered files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/error.h"

namespace bankscore {

// A report's output directory could not be created or written.
class ReportOutputError : public Error {
 public:
  using Error::Error;
};

// A report rendered twice: the HTML page and its Markdown summary.
struct RenderedReport {
  std::string html;
  std::string markdown;
};

// The "Data" line of both pages, as report text. A report describes whatever table it was given,
// so it names only what the config says (report.data_source) and the table and label it read:
// "CRM extract; table `customers`, label `churned` = \"1\"" or, unset, "table `customers`, ...".
std::string DataSourceText(const ReportConfig& report, const std::string& table,
                           const std::string& label, const std::string& positive_label);

// The page title: report.title when set, followed by `what` ("model report"), else `fallback`.
std::string ReportTitle(const ReportConfig& report, const std::string& what,
                        const std::string& fallback);

}  // namespace bankscore

namespace bankscore::report {

// Escapes text for HTML and XML content and attribute values: & < > " ' become entities.
std::string EscapeHtml(std::string_view text);

// Quotes data text for use inside report text (backslash before every markup character).
std::string Md(std::string_view text);

// Report text to HTML (escaped, with <strong>, <code> and <a href="#..."> for the markup).
std::string InlineHtml(std::string_view text);

// Report text to Markdown: the markup is kept, links become their label (the anchors exist only in
// the HTML page).
std::string InlineMarkdown(std::string_view text);

// Numbers for people. Non-finite values are written "n/a" so that a page never shows "nan".
std::string FormatCount(std::int64_t n);                       // 41,188
std::string FormatFixed(double value, int decimals);           // 0.8123
std::string FormatPercent(double fraction, int decimals = 1);  // 0.1127 -> 11.3%
std::string FormatSignificant(double value, int digits);       // 0.123456, 5 -> 0.12346
// part / whole as the fraction FormatPercent takes; 0 when `whole` is 0 (nothing to share).
double Share(std::int64_t part, std::int64_t whole);
// An identifier usable as an HTML id: lower case letters, digits and '-' (e.g. "emp-var-rate").
std::string Slug(std::string_view text);

struct Table {
  std::vector<std::string> header;             // report text
  std::vector<std::vector<std::string>> rows;  // report text, one entry per header cell
  std::vector<bool> numeric;                   // per column: right-aligned (default: left)
  std::string caption;                         // report text, optional
  bool in_summary = true;                      // rendered in the Markdown summary
  bool in_page = true;                         // rendered in the HTML page
};

enum class NoteKind { kInfo, kWarning };

class ReportDocument {
 public:
  explicit ReportDocument(std::string title);

  // A line of the page header ("Model version: ..."), report text.
  void AddMeta(std::string label, std::string value);
  // Starts a new top-level section, listed in the table of contents. `id` must be unique.
  void BeginSection(std::string id, std::string heading);
  // A subsection heading inside the current section; listed in the table of contents (nested)
  // when `in_toc` is set.
  void AddSubheading(std::string id, std::string heading, bool in_toc = false);
  void AddParagraph(std::string text, bool in_summary = true);
  void AddList(std::vector<std::string> items, bool ordered = false, bool in_summary = true);
  void AddNote(NoteKind kind, std::string text);
  void AddTable(Table table);
  // An SVG chart (trusted markup from svg_chart.h) with a caption in report text. Consecutive
  // figures are laid out side by side when they fit.
  void AddFigure(std::string svg, std::string caption);
  // Footer text (report text), after the last section.
  void SetFooter(std::string text);

  std::string RenderHtml() const;
  std::string RenderMarkdown() const;

 private:
  enum class BlockKind { kSubheading, kParagraph, kList, kNote, kTable, kFigure };
  struct Block {
    BlockKind kind = BlockKind::kParagraph;
    std::string id;
    std::string text;  // heading, paragraph, note text, figure caption
    std::string svg;
    std::vector<std::string> items;
    bool ordered = false;
    bool in_toc = false;
    bool in_summary = true;
    NoteKind note = NoteKind::kInfo;
    Table table;
  };
  struct Section {
    std::string id;
    std::string heading;
    std::vector<Block> blocks;
  };
  Section& Current();
  // Parts of the rendered page and summary.
  std::string HtmlContents() const;
  static std::string HtmlSection(const Section& section);
  static std::string HtmlBlock(const Block& block);
  static std::string MarkdownBlock(const Block& block);

  std::string title_;
  std::vector<std::pair<std::string, std::string>> meta_;
  std::vector<Section> sections_;
  std::string footer_;
};

// Creates `dir` (and parents) and checks that a file can be written there, before a report does
// any expensive work. Throws ReportOutputError naming the directory.
void PrepareOutputDirectory(const std::string& dir);
// Writes `text` to dir/name through a temporary file and a rename, so a reader sees the old file
// or the complete new one. Throws ReportOutputError naming the file.
void WriteReportFile(const std::string& dir, const std::string& name, const std::string& text);

}  // namespace bankscore::report
