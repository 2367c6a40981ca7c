"""Review-pack exports: `pack.build_pack()` gathers a review's data; `render_*` write it as Markdown,
HTML, XLSX, CSV or JSON; `portfolio` compares CCCs; `due` produces pre-read packs automatically."""
