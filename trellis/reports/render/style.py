"""The look shared by the web page and the PDF: a council committee paper. Arial, black
on white, a protective marking at the top and foot of each page, numbered pages, tables
with ruled rows and a repeated header, status words always written out beside the colour."""

PRINT_CSS = """
@page { size: A4; margin: 22mm 18mm 22mm 18mm;
  @top-right { content: "OFFICIAL"; font: 9pt Arial, sans-serif; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
    font: 9pt Arial, sans-serif; } }
@page :first { @bottom-center { content: none; } }
@page wide { size: A4 landscape; margin: 18mm 15mm 20mm 15mm; }
body.pdf .landscape { page: wide; }
html { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4;
  color: #0b0c0c; background: #fff; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; }
body.pdf { max-width: none; padding: 0; }
a { color: #1d70b8; }
a:focus { outline: 3px solid #fd0; background: #fd0; color: #0b0c0c; }
.marking { text-align: center; font-weight: bold; font-size: 9pt; letter-spacing: .05em; }
body.pdf .marking { display: none; }
.cover { border-bottom: 4px solid #0b0c0c; padding-bottom: 1rem; margin-bottom: 1.5rem; }
.cover .kicker { text-transform: uppercase; font-size: 10pt; color: #505a5f; margin: 0; }
.cover h1 { font-size: 24pt; margin: .2em 0; }
.cover .subtitle { font-size: 14pt; margin: 0 0 1rem; }
.facts div, .summary div { display: flex; gap: 1rem; border-bottom: 1px solid #b1b4b6;
  padding: .25rem 0; }
.facts dt, .summary dt { font-weight: bold; min-width: 12rem; }
.facts dd, .summary dd { margin: 0; }
.toc ol { list-style: none; padding: 0; }
.toc li.toc-2 { padding-left: 1.5rem; }
@media screen { .toc a { display: inline-block; min-height: 24px; line-height: 24px;
  margin: 2px 0; } }
body.pdf .toc a::after { content: leader('.') target-counter(attr(href url), page); }
body.pdf .toc a { color: #0b0c0c; text-decoration: none; }
h2 { font-size: 18pt; margin-top: 1.5rem; border-bottom: 2px solid #0b0c0c; }
h3 { font-size: 14pt; margin-top: 1.25rem; }
h4 { font-size: 12pt; }
h2, h3, h4 { break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.25rem; font-size: 10pt;
  table-layout: fixed; }
td, th { overflow-wrap: break-word; }
table.wide { font-size: 8.5pt; }
caption { text-align: left; font-weight: bold; padding-bottom: .25rem; }
th, td { border-bottom: 1px solid #b1b4b6; padding: .3rem .4rem; text-align: left;
  vertical-align: top; }
th { background: #f3f2f1; border-bottom: 2px solid #0b0c0c; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.rag { font-weight: bold; padding: 0 .3em; border-left: .5em solid #b1b4b6; }
.rag-red { border-color: #d4351c; } .rag-amber { border-color: #f47738; }
.rag-green { border-color: #00703c; } .rag-complete { border-color: #1d70b8; }
.suppressed { font-style: italic; }
figure.chart { margin: .5rem 0; break-inside: avoid; }
figure.chart svg, figure.chart img { width: 100%; height: auto; max-height: 90mm; }
figcaption { font-size: 10pt; color: #0b0c0c; margin-top: .25rem; }
.page-break { break-after: page; }
@media screen { .page-break { border-top: 1px dashed #b1b4b6; margin: 2rem 0; } }
@media print { body { max-width: none; padding: 0; } .marking { display: none; } }
"""

# Column widths as classes (a share of the table in whole percent), so the page needs no
# style attributes and stays within a strict Content Security Policy.
PRINT_CSS += "".join(f"col.w{n} {{ width: {n}%; }}\n" for n in range(1, 101))
