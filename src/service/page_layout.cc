#include "service/page_layout.h"

#include "report/html_document.h"

namespace bankscore::service {
namespace {

// System fonts only; the same palette as the reports (src/report).
constexpr std::string_view kStyle = R"css(
:root { --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --accent: #0b5cad; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial,
  sans-serif; }
header.top { background: #12355b; color: #fff; }
header.top div { max-width: 1240px; margin: 0 auto; padding: 12px 28px; display: flex;
  gap: 28px; align-items: baseline; flex-wrap: wrap; }
header.top strong { font-size: 20px; }
header.top a { color: #dbe9f8; text-decoration: none; }
header.top a.active { color: #fff; border-bottom: 2px solid #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 28px 48px; }
h1 { font-size: 26px; margin: 18px 0 8px; }
h2 { font-size: 20px; margin: 28px 0 8px; padding-top: 8px; border-top: 2px solid var(--rule); }
p { max-width: 100ch; }
a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 0.9em;
  background: var(--soft); padding: 0 3px; border-radius: 3px; }
.muted { color: var(--muted); font-size: 14px; }
form.client { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr));
  gap: 10px 22px; margin: 12px 0; }
form.client label { display: block; font-weight: 600; font-size: 14px; }
form.client select, form.client input { width: 100%; font: inherit; padding: 4px 6px;
  border: 1px solid #8c959f; border-radius: 4px; background: #fff; }
form.client small { color: var(--muted); font-size: 12.5px; }
form.lookup input { font: inherit; padding: 4px 6px; width: 12em; border: 1px solid #8c959f;
  border-radius: 4px; }
.actions { grid-column: 1 / -1; display: flex; gap: 16px; align-items: center; }
button { font: inherit; font-weight: 600; padding: 6px 22px; border-radius: 5px; border: 0;
  background: var(--accent); color: #fff; cursor: pointer; }
.result { border: 2px solid var(--accent); border-radius: 8px; padding: 12px 20px;
  margin: 14px 0; background: #f3f8fd; }
.result .big { font-size: 34px; font-weight: 700; }
.result.positive { border-color: #1a7f37; background: #effaf1; }
.error { border-left: 4px solid #c2410c; background: #fff4ec; padding: 8px 14px; margin: 12px 0; }
.note { border-left: 4px solid var(--accent); background: #eef5fc; padding: 8px 14px;
  margin: 12px 0; max-width: 110ch; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px;
  font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left; }
th { background: var(--soft); }
td.num, th.num { text-align: right; }
.status-succeeded { color: #1a7f37; font-weight: 600; }
.status-failed, .status-abandoned { color: #c2410c; font-weight: 600; }
.status-interrupted, .status-running { color: #9a6700; font-weight: 600; }
.drift { color: #9a6700; }
#runs th, #runs td { white-space: nowrap; padding: 3px 8px; }
#runs td code { font-size: 12px; }
#runs tr.detail td { white-space: normal; border-top: 0; padding-top: 0; font-size: 13px; }
#runs tr:has(+ tr.detail) td { border-bottom: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 14px; margin: 10px 0; }
.card { border: 1px solid var(--rule); border-radius: 8px; padding: 8px 16px; min-width: 150px; }
.card .value { font-size: 22px; font-weight: 700; }
.card .label { color: var(--muted); font-size: 13px; }
.figures { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; max-width: 600px; }
)css";

std::string NavLink(std::string_view href, std::string_view label, std::string_view active) {
  return std::string("<a href=\"") + std::string(href) + "\"" +
         (href == active ? " class=\"active\"" : "") + ">" + std::string(label) + "</a>";
}

}  // namespace

std::string RenderPage(std::string_view title, std::string_view active, std::string_view content) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      report::EscapeHtml(title) + " - bankscore</title>\n<style>" + std::string(kStyle) +
      "</style>\n</head>\n<body>\n<header class=\"top\"><div><strong>bankscore</strong>" +
      NavLink("/", "Score a client", active) + NavLink("/dashboard", "Dashboard", active) +
      NavLink("/v1/model", "Model (JSON)", active) + NavLink("/metrics", "Metrics", active) +
      "</div></header>\n<main>\n";
  html += content;
  html += "\n</main>\n</body>\n</html>\n";
  return html;
}

std::string RenderMessagePage(std::string_view title, std::string_view active,
                              std::string_view message) {
  return RenderPage(title, active,
                    "<h1>" + report::EscapeHtml(title) + "</h1>\n<p class=\"error\">" +
                        report::EscapeHtml(message) + "</p>");
}

std::string RenderFigure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + "<figcaption>" + report::EscapeHtml(caption) +
         "</figcaption></figure>\n";
}

}  // namespace bankscore::service
