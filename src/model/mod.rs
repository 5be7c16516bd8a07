//! The security architecture document (`secarch/v1`): YAML front matter with
//! source positions, plus the Markdown body's headings and Mermaid blocks.
