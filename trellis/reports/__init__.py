"""Reports: the partnership dashboard now; the board pack, the data summary and the
inspection evidence pack to come. Builders produce plain data; views and renderers lay it
out."""
