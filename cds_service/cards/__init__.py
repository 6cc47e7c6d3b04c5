"""From decisions to CDS Hooks cards, suggestions and systemActions."""
