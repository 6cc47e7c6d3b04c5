"""Clinical knowledge (mappings/) as typed, validated, immutable objects."""

from cds_service.knowledge.loader import MappingError, default_mappings_dir, load_knowledge
from cds_service.knowledge.model import Category, Knowledge, Procedure, Rating, Variant

__all__ = [
    "Category",
    "Knowledge",
    "MappingError",
    "Procedure",
    "Rating",
    "Variant",
    "default_mappings_dir",
    "load_knowledge",
]
