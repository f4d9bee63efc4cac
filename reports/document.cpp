#include "reports/document.h"

#include <sstream>

#include "reports/html.h"

namespace bw::reports {

void Document::heading(std::string text, int level) {
  blocks_.push_back({Kind::heading, std::move(text), level, {}});
}
void Document::paragraph(std::string text) {
  blocks_.push_back({Kind::paragraph, std::move(text), 0, {}});
}
void Document::note(std::string text) { blocks_.push_back({Kind::note, std::move(text), 0, {}}); }
void Document::table(Table t) { blocks_.push_back({Kind::table, {}, 0, std::move(t)}); }
void Document::html(std::string raw) { blocks_.push_back({Kind::html, std::move(raw), 0, {}}); }

std::vector<Document::TitledTable> Document::tables() const {
  std::vector<TitledTable> out;
  std::string heading;
  for (const Block& b : blocks_) {
    if (b.kind == Kind::heading) heading = b.text;
    if (b.kind == Kind::table) out.push_back({heading, &b.table});
  }
  return out;
}

std::string Document::markdown() const {
  std::ostringstream out;
  out << "# " << title_ << "\n\n";
  for (const Block& b : blocks_) {
    switch (b.kind) {
      case Kind::heading:
        out << std::string(static_cast<std::size_t>(b.level), '#') << ' ' << b.text << "\n\n";
        break;
      case Kind::paragraph:
      case Kind::note:
        out << b.text << "\n\n";
        break;
      case Kind::html:
        break;
      case Kind::table: {
        const Table& t = b.table;
        out << '|';
        for (const auto& c : t.columns) out << ' ' << md_cell(c.label) << " |";
        out << "\n|";
        for (const auto& c : t.columns) out << (c.numeric ? "---:|" : "---|");
        out << '\n';
        for (const auto& r : t.rows) {
          out << '|';
          for (std::size_t i = 0; i < t.columns.size(); ++i) {
            out << ' ' << (i < r.cells.size() ? md_cell(r.cells[i]) : std::string()) << " |";
          }
          out << '\n';
        }
        out << '\n';
        break;
      }
    }
  }
  return out.str();
}

std::string Document::html_page(Lang l) const {
  TextSink sink;
  write_html_page(l, sink);
  return sink.take();
}

void Document::write_html_page(Lang l, TextSink& sink) const {
  write_html_begin(l, sink);
  write_html_end(l, sink);
}

void Document::write_html_begin(Lang l, TextSink& sink) const {
  std::string& out = sink.text();
  out += html::page_begin(l, title_);
  out += "<h1>" + html::escape(title_) + "</h1>\n";
  for (const Block& b : blocks_) {
    switch (b.kind) {
      case Kind::heading: {
        const std::string tag = "h" + std::to_string(b.level);
        out += "<" + tag + ">" + html::escape(b.text) + "</" + tag + ">\n";
        break;
      }
      case Kind::paragraph:
        out += "<p>" + html::escape(b.text) + "</p>\n";
        break;
      case Kind::note:
        out += "<p class=\"note\">" + html::escape(b.text) + "</p>\n";
        break;
      case Kind::html:
        out += b.text;
        break;
      case Kind::table:
        html::append_table(out, b.table, &sink);
        break;
    }
  }
}

void Document::write_html_end(Lang l, TextSink& sink) const { sink.text() += html::page_end(l, as_of_); }

}  // namespace bw::reports
